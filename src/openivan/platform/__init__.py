"""The platform every app stands on.

Audit log, throttles, sealing, search keys, CSV, paging, the web server, the registries.
It imports no app.
"""

from openivan.platform import errors  # noqa: F401  (registers its error codes)
