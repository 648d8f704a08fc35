"""What every app stands on and none of them owns: the database backend's local policy."""
