"""Settings, root URLs, WSGI/ASGI: the top of the house, which nothing imports."""
