"""The platform every app stands on.

Audit log, throttles, sealing, search keys, CSV, paging, the web server, the registries.
It imports no app.
"""
