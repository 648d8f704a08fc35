"""Secrets and keys from the environment: ``<NAME>`` or ``<NAME>_FILE``, read one way everywhere.

Any secret may be given as its value (``CLUEDESK_FILE_KEY=…``) or as the path of a file holding it
(``CLUEDESK_FILE_KEY_FILE=/run/secrets/files.key``, what a secrets store mounts — Healthchecks'
habit). Settings, the content and file keys, the ledger's signing key, the backup public key and
the custodian passphrase all read through :func:`source`, so a variable honoured by one reader is
honoured by all: before, ``CLUEDESK_FILE_KEY_FILE`` was read by some and silently ignored by others,
and two nodes started from the same recipe encrypted files under different keys.

Both forms set at once is refused rather than ranked: which one wins is exactly what two readers
used to disagree on, and an operator who set both meant one of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class SecretError(ValueError):
    """A secret named by the environment cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Source:
    """Where one secret comes from: a value in ``name``, a file named by ``name_FILE``, or neither."""

    name: str
    value: str | None  # the variable's value as given (may be empty)
    path: Path | None  # the file named by NAME_FILE

    @property
    def given(self) -> bool:
        """The environment gives this secret (a non-empty value or a file)."""
        return self.path is not None or bool(self.value)

    @property
    def origin(self) -> str:
        """How to name where it came from in a message: never the secret itself."""
        if self.path is not None:
            return f"{self.name}_FILE={self.path}"
        if self.value:
            return f"the variable {self.name}"
        return ""

    def read(self) -> str | None:
        """The secret, stripped of surrounding white space; None when the environment gives none."""
        if self.path is None:
            return self.value.strip() if self.value is not None else None
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise SecretError(f"{self.name}_FILE={self.path}: cannot read it ({reason})") from None


def source(name: str) -> Source:
    """Where ``name`` comes from in this process's environment (refused when both forms are set)."""
    value = os.environ.get(name)
    named = os.environ.get(f"{name}_FILE")
    if named and value:
        raise SecretError(f"both {name} and {name}_FILE are set: keep one of them")
    return Source(name, value, Path(named) if named else None)


def secret(name: str, default: str | None = None) -> str | None:
    """The value of ``name`` from the environment or the file ``name_FILE`` names, else ``default``."""
    found = source(name)
    if found.path is None and found.value is None:
        return default
    return found.read()
