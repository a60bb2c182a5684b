"""The database being out of reach: an outage to wait out (503 with Retry-After, a worker that
pauses and tries again), not a fault in the request."""

from django.db import InterfaceError, OperationalError

# Cannot connect, the connection dropped, the server is shutting down or refuses connections;
# SQLite's "database is locked" after its timeout. All pass when the database is back.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60
