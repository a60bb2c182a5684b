"""Settings, URLs, WSGI/ASGI, and the platform pages (status) shared by both roles."""
