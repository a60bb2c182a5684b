"""`openivan manage serve`: the production web server, started as an operator starts it.

The server runs against SQLite, or against a fresh database on the throwaway PostgreSQL when
the suite runs there (`make pg-tests`): its processes fork after the checks touched the
database, which only a real server connection can show to be safe."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from openivan.core.dossier import countersign, sign_envelope
from openivan.core.xml import codec
from openivan.devpki import DevPKI, samples
from tests.processes import OPENIVAN, free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.db  # run again on PostgreSQL: see the module's docstring

@dataclass
class Served:
    url: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes]


def _database_url(home: Path) -> str:
    """A new, empty database: SQLite in `home`, or one more database on the suite's PostgreSQL."""
    shared = os.environ.get("DATABASE_URL", "")
    if not shared.startswith("postgres"):
        return f"sqlite:///{home / 'served.sqlite3'}"
    name = f"served_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(shared.replace("postgres://", "postgresql://"),
                         autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return shared.rsplit("/", 1)[0] + f"/{name}"


def _environment(home: Path, pki: DevPKI, trust_dir: Path) -> dict[str, str]:
    (home / "agency.p12").write_bytes(pki.pkcs12("agency", "agency-pw"))
    # The browser tests' escape hatch is an error of deployment (async.E001): not ours to pass on.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return dict(
        inherited, DJANGO_SETTINGS_MODULE="openivan.conf.settings", DEBUG="0",
        SECRET_KEY="served-" + uuid.uuid4().hex * 2, ALLOWED_HOSTS="127.0.0.1",
        OPENIVAN_HOME=str(home), DATABASE_URL=_database_url(home), OPENIVAN_ROLES="agency",
        OPENIVAN_TRUST_STORE=str(trust_dir), OPENIVAN_AGENCY_P12=str(home / "agency.p12"),
        OPENIVAN_AGENCY_P12_PASSWORD="agency-pw", OPENIVAN_REVOCATION="hard",
        EMAIL_URL="smtp://127.0.0.1:9", LANG="en_US.UTF-8")


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPENIVAN, "manage", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def _start(env: dict[str, str], port: int, *extra: str,
           output: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    # One process per core is the default; two show that every forked process works.
    return subprocess.Popen([OPENIVAN, "manage", "serve", "--bind", f"127.0.0.1:{port}",
                             "--workers", "2", "--threads", "2", *extra], env=env,
                            stdout=output, stderr=subprocess.STDOUT)


def _log(served: Served, name: str) -> str:
    return (Path(served.env["OPENIVAN_HOME"]) / name).read_text()


def _wait_until_up(served: Served) -> None:
    def up() -> bool:
        if served.process.poll() is not None:
            raise AssertionError(_log(served, "server.log"))
        try:
            return httpx.get(f"{served.url}/api/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    # A loaded machine (the tests run beside others): the first server of a run also collects
    # the static files while the others wait on its lock.
    wait_until(up, timeout=180, interval=0.2, what="the server answers its health call")


@contextlib.contextmanager
def _serving(env: dict[str, str], *extra: str) -> Iterator[Served]:
    """A migrated database and `serve` on it, up; stopped (SIGTERM) at the end."""
    assert _manage(env, "migrate", "--noinput", "-v", "0").returncode == 0
    port = free_port()
    with (Path(env["OPENIVAN_HOME"]) / "server.log").open("wb") as output:  # Django's, gunicorn's
        server = Served(f"http://127.0.0.1:{port}", port, env,
                        _start(env, port, *extra, output=output))
    try:
        _wait_until_up(server)
        yield server
    finally:
        if server.process.poll() is None:
            server.process.terminate()
            server.process.wait(40)


@pytest.fixture(scope="module")
def served(pki: DevPKI, trust_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = _environment(tmp_path_factory.mktemp("served"), pki, trust_dir)
    with _serving(env, "--access-log", str(Path(env["OPENIVAN_HOME"]) / "access.log")) as server:
        yield server


def test_a_provider_keeps_one_connection_for_its_calls(served: Served) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    connection.request("GET", "/api/v1/health")
    first = connection.getresponse()
    first.read()
    kept = connection.sock
    connection.request("GET", "/api/v1/health")
    second = connection.getresponse()
    second.read()
    assert (first.status, second.status) == (200, 200)
    assert kept is not None and connection.sock is kept  # not closed and opened again
    connection.close()


def _provider_key(env: dict[str, str]) -> str:
    register = _manage(env, "provider", "register", "--code", samples.PROVIDER.code,
                       "--name", samples.PROVIDER.name, "--mst", "0100109106")
    assert register.returncode == 0, register.stderr
    return register.stdout.strip().split("\t")[-1]  # "code<TAB>key"


def _envelope(pki: DevPKI, unit: str = "unit") -> bytes:
    model = samples.envelope_for(samples.registration())
    return countersign(sign_envelope(codec.to_bytes(model), pki.pkcs12_key(unit)),
                       pki.pkcs12_key("provider"))


def _provider_client(served: Served, key: str) -> httpx.Client:
    headers = {"authorization": f"Bearer {key}", "content-type": "application/xml"}
    return httpx.Client(base_url=served.url, headers=headers, timeout=30)


def _read_until(connection: socket.socket, end: bytes) -> bytes:
    received = b""
    while end not in received:
        chunk = connection.recv(65536)
        assert chunk, received
        received += chunk
    return received


def test_a_head_request_gets_headers_only_and_the_connection_stays_usable(
        served: Served) -> None:
    # Raw bytes: http.client drops what it buffered past a HEAD answer, hiding a body.
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        for path in ("/", "/api/v1/health"):
            connection.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head, _, body = _read_until(connection, b"\r\n\r\n").partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK"), head
            connection.settimeout(0.5)
            with contextlib.suppress(TimeoutError):
                body += connection.recv(65536)
            assert body == b"", (path, body[:80])  # nothing follows the headers
            connection.settimeout(10)
            connection.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = _read_until(connection, b"}")
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:80]
            assert answer.endswith(b'"migrations_pending": 0}')


@pytest.fixture(scope="module")
def served_key(served: Served) -> str:
    return _provider_key(served.env)


def test_a_dossier_is_received_through_the_served_api(served: Served, served_key: str,
                                                      pki: DevPKI) -> None:
    body = _envelope(pki)
    with _provider_client(served, served_key) as client:
        # Both processes forked from the one that ran the checks; each must get its own
        # database connection and a usable agency key.
        answers = [client.post("/api/v1/dossiers", content=body) for _ in range(4)]
    assert answers[0].status_code == 201, answers[0].text
    assert {a.status_code for a in answers[1:]} == {200}  # the same bytes again: a replay
    assert len({a.json()["number"] for a in answers}) == 1


def _post(key: str, body: bytes, *headers: str) -> bytes:
    return "\r\n".join([
        "POST /api/v1/dossiers HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {key}",
        "Content-Type: application/xml", f"Content-Length: {len(body)}", *headers, "", "",
    ]).encode()


def _status(connection: socket.socket) -> bytes:
    return _read_until(connection, b"\r\n").split(b"\r\n", 1)[0]


def test_a_request_that_comes_in_pieces_is_answered(served: Served, served_key: str,
                                                    pki: DevPKI) -> None:
    request = _post(served_key, body := _envelope(pki)) + body
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        for start in range(0, len(request), 700):  # head and body cut anywhere, 0.1 s apart
            connection.sendall(request[start:start + 700])
            time.sleep(0.1)
        assert _status(connection) == b"HTTP/1.1 201 Created"


def test_a_client_waiting_for_100_continue_gets_it_then_its_answer(
        served: Served, served_key: str, pki: DevPKI) -> None:
    body = _envelope(pki)
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(_post(served_key, body, "Expect: 100-continue"))
        assert _status(connection) == b"HTTP/1.1 100 Continue"
        connection.sendall(body)
        assert _read_until(connection, b"HTTP/1.1 201 Created")


def test_a_body_of_many_reads_is_received_whole(served: Served, served_key: str) -> None:
    body = b"<?xml version='1.0'?><a>" + b"x" * 1_500_000 + b"</a>"
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(_post(served_key, body) + body)
        answer = _read_until(connection, b"}")
    assert answer.startswith(b"HTTP/1.1 422"), answer[:200]  # read to its end, then judged
    assert b'"code": "' in answer


def test_no_log_keeps_an_activation_token(served: Served) -> None:
    token = "AB12" * 16
    link = f"{served.url}/kich-hoat/{token}"
    refused = httpx.post(link, data={"code": "SAI"}, headers={"referer": link}, timeout=10)
    assert refused.status_code in (403, 404)  # no CSRF cookie, no such link: both are logged
    # Each log is written on its own schedule: the access line only after the response.
    wait_until(lambda: "/kich-hoat/" in _log(served, "server.log")
               and "POST /kich-hoat/" in _log(served, "access.log"), what="both logs written")
    access, errors = _log(served, "access.log"), _log(served, "server.log")
    assert "POST /kich-hoat/… HTTP/1.1" in access  # the request is logged, its token is not
    assert "/kich-hoat/…" in errors  # Django's warning about the refused request
    assert token not in access + errors  # nor in the referrer


def test_the_api_documentation_loads_nothing_from_elsewhere(served: Served) -> None:
    page = httpx.get(f"{served.url}/api/v1/docs", timeout=10)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert httpx.get(f"{served.url}{asset}", timeout=10).status_code == 200, asset


def test_the_admin_stylesheet_is_served_compressed(served: Served) -> None:
    sheet = httpx.get(f"{served.url}/static/admin/css/base.css", timeout=10,
                      headers={"accept-encoding": "gzip"})
    assert sheet.status_code == 200
    assert sheet.headers["content-encoding"] == "gzip"
    assert "body" in sheet.text  # httpx undid the gzip: the stylesheet itself


def test_a_stopped_server_finishes_and_exits_cleanly(served: Served, tmp_path: Path) -> None:
    # A server of its own on the module's database: stopping the shared one failed the tests
    # that a second pytest worker ran after this one.
    with _serving(dict(served.env, OPENIVAN_HOME=str(tmp_path))) as own:
        own.process.terminate()
        assert own.process.wait(40) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{own.url}/api/v1/health", timeout=2)


def test_a_ca_added_to_the_trust_store_is_trusted_after_a_graceful_reload(
        pki: DevPKI, tmp_path: Path) -> None:
    trust = pki.write_trust_store(tmp_path / "trust")
    env = _environment(tmp_path, pki, trust)
    body = _envelope(pki, unit="unit-untrusted")  # issued under a CA not trusted yet
    with _serving(env) as server:
        key = _provider_key(env)

        def send() -> httpx.Response:
            # A new connection each time: one kept alive with an old process is closed when
            # that process ends, as at any restart (the provider's client sends again).
            with _provider_client(server, key) as client:
                return client.post("/api/v1/dossiers", content=body)

        def accepted() -> bool:
            try:
                answer = send()
            except httpx.TransportError:  # alone, gunicorn's worker may drop a call at a
                return False              # reload: nginx tries it again (tests/deploy)
            if answer.status_code == 201:
                return True
            assert answer.json()["code"] == "CERT_UNTRUSTED", answer.text  # old processes
            return False

        refused = send()
        assert refused.json()["code"] == "CERT_UNTRUSTED", refused.text
        pki.write_trust_store(trust, roots=("rogue-root",), intermediates=())
        server.process.send_signal(signal.SIGHUP)  # as the README says: kill -HUP
        wait_until(accepted, timeout=30, interval=0.2,
                   what="the reloaded processes trust the new CA")
        assert server.process.poll() is None  # the server went on: no restart


def test_an_unmigrated_database_is_refused_before_listening(
        pki: DevPKI, trust_dir: Path, tmp_path: Path) -> None:
    env = _environment(tmp_path, pki, trust_dir)
    port = free_port()
    process = _start(env, port)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 1
    assert "migrations are not applied yet" in output
    assert "openivan manage migrate" in output
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)


def test_a_missing_agency_key_is_refused_before_listening(
        pki: DevPKI, trust_dir: Path, tmp_path: Path) -> None:
    env = _environment(tmp_path, pki, trust_dir)
    env["OPENIVAN_AGENCY_P12"] = str(tmp_path / "missing.p12")
    process = _start(env, free_port())
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 1
    assert "openivan.E001" in output


@pytest.mark.parametrize(("arguments", "variables", "named"), [
    (["--workers", "0"], {}, "--workers"),
    (["--threads", "four"], {}, "--threads"),
    ([], {"OPENIVAN_WEB_WORKERS": "-2"}, "OPENIVAN_WEB_WORKERS"),
    ([], {"OPENIVAN_WEB_THREADS": "8 threads"}, "OPENIVAN_WEB_THREADS"),
])
def test_a_count_of_processes_or_threads_that_is_no_whole_number_is_refused(
        arguments: list[str], variables: dict[str, str], named: str, pki: DevPKI,
        trust_dir: Path, tmp_path: Path) -> None:
    env = {**_environment(tmp_path, pki, trust_dir), **variables}
    refused = _manage(env, "serve", *arguments)
    assert refused.returncode == 1
    assert f"{named} must be a whole number of at least 1" in refused.stderr


@pytest.mark.django_db
def test_more_threads_than_postgresql_takes_connections_is_said_at_start() -> None:
    from django.db import connection
    from django.utils import translation

    from openivan.platform.management.commands.serve import connections_warning

    assert connections_warning(workers=2, threads=8) is None  # 16: well within
    with translation.override("vi"):
        warning = connections_warning(workers=64, threads=8)
    if connection.vendor != "postgresql":
        assert warning is None  # SQLite has no connection limit
        return
    assert warning is not None and "64 tiến trình × 8 luồng có thể mở 512 kết nối" in warning
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        most = int(cursor.fetchone()[0])
        cursor.execute("SHOW superuser_reserved_connections")
        most -= int(cursor.fetchone()[0])
    assert f"nhận tổng cộng {most} (max_connections" in warning
