"""The web server's set-up that a served process cannot show from outside."""

from __future__ import annotations

import gc

from openivan.platform.webserver import WebServer, WebServerOptions


def test_what_is_loaded_before_the_fork_is_frozen_out_of_full_collections():
    # Unfrozen, a full collection in a web process stopped its requests for 55-345 ms
    # (tools/gc_pauses.py); the forked processes inherit what load() froze.
    gc.unfreeze()
    try:
        server = WebServer(WebServerOptions(bind="127.0.0.1:0", workers=1, threads=2))
        application = server.load()
        assert callable(application)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
