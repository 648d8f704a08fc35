from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """The production algorithm (the hash still starts with ``argon2``) at the lowest cost."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
