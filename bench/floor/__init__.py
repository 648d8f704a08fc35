"""The floor for bench/intake.py: the least a Django app under the same gunicorn can do per report.

One view, no middleware, no apps: each POST reads its body and inserts one row into a SQLite
database in WAL mode (the same PRAGMAs as cluedesk's SQLite), then answers 201 with a JSON body
the load client takes as accepted. ``FLOOR_DB`` names the database file; bench/intake.py creates
it (and its one table) before starting gunicorn with ``floor.wsgi:application``.
"""
