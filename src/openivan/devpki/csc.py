"""A remote-signing (CSC v1) test and demo service on loopback: certomancer-csc-dummy signing
with the keys of a DevPKI, behind a gateway that asks for an account and a password (HTTP Basic),
as the Vietnamese HSM services do. Used by the tests and by `make demo`; never by production code.

The dummy offers every key of the PKI (the demo unit's, its renewed one, other units'), so the
provider's "Lấy dữ liệu chứng thư" shows which ones the unit may choose and why the others not.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from openivan.core import extras
from openivan.devpki import DevPKI, _free_socket, serve_app

# The account the service opens, printed on the demo's banner and in the README on purpose.
ACCOUNT, PASSWORD = "donvi-demo", "mat-khau-demo"


def csc_app(pki: DevPKI, account: str = ACCOUNT, password: str = PASSWORD) -> Any:
    """The aiohttp application: the dummy's routes, every one but `info` behind the account
    (`credentials/info` too: a credential's certificate is the account's to see)."""
    extras.require("demo")
    from aiohttp import web
    from certomancer.registry import CertomancerConfig
    from csc_dummy.csc_dummy_server import CSCWithCertomancer, DummyServiceParams

    # The file the PKI itself was built from: the dummy issues the very same certificates.
    config = CertomancerConfig.from_file(str(pki.directory / "certomancer.yml"))
    csc = CSCWithCertomancer(config, service_params=DummyServiceParams())
    csc.register_routes()
    expected = "Basic " + base64.b64encode(f"{account}:{password}".encode()).decode()

    @web.middleware
    async def gateway(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path != "/csc/v1/info" and request.headers.get("Authorization") != expected:
            raise web.HTTPUnauthorized()
        return await handler(request)  # type: ignore[no-any-return]

    csc.app.middlewares.insert(0, gateway)
    return csc.app


@contextmanager
def serve_csc(pki: DevPKI, port: int | None = None, account: str = ACCOUNT,
              password: str = PASSWORD) -> Iterator[str]:
    """Serve it on 127.0.0.1 (`port`, or a free one); yield its base URL. A fixed port keeps
    the address a unit's certificate was added with valid across restarts of the demo."""
    sock: socket.socket = _free_socket(port or 0)
    with serve_app(csc_app(pki, account, password), sock) as url:
        yield url
