"""Operations: serving (supervisor, gunicorn hooks), the worker and its jobs, background tasks,
backup and restore, logging and metrics, first start."""
