"""`SMS_URL`: where the SMS centre (SMSC) is and how to bind to it.

`smpp://system_id:password@host:port?source=BHXH` (`smpps://` for SMPP over TLS). Query options:
`source` (the sender: a brandname such as `BHXH`, or a number), `timeout` (seconds a PDU may
take, default 10), `system_type`, `max_parts` (longest message, in parts; default 6).
A malformed URL raises `SMS_URL_INVALID` naming what is wrong, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from openivan.core.errors import OpenIvanError

DEFAULT_PORT = 2775  # IANA's SMPP port
_OPTIONS = {"source", "timeout", "system_type", "max_parts"}


@dataclass(frozen=True)
class SmppSettings:
    host: str
    port: int
    system_id: str
    password: str
    source: str = "BHXH"
    tls: bool = False
    timeout: float = 10.0
    system_type: str = ""
    max_parts: int = 6

    @property
    def source_is_alphanumeric(self) -> bool:
        return not self.source.lstrip("+").isdigit()

    def redacted(self) -> str:
        scheme = "smpps" if self.tls else "smpp"
        return f"{scheme}://{self.system_id}:***@{self.host}:{self.port}?source={self.source}"


def _bad(problem: str) -> OpenIvanError:
    return OpenIvanError("SMS_URL_INVALID", problem=problem)


def parse_sms_url(url: str) -> SmppSettings:
    """Settings from `SMS_URL`; raises `SMS_URL_INVALID` with the problem in `details`."""
    if not url or not url.strip():
        raise _bad("empty")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _bad(f"port: {exc}") from exc
    if parts.scheme not in ("smpp", "smpps"):
        raise _bad(f"scheme {parts.scheme or '(none)'!r}, expected smpp or smpps")
    if not parts.hostname:
        raise _bad("no host")
    if not parts.username:
        raise _bad("no system_id (the account before ':' and '@')")
    if parts.password is None:
        raise _bad("no password")
    system_id, password = unquote(parts.username), unquote(parts.password)
    if len(system_id) > 15 or len(password) > 8:  # SMPP 3.4 §5.2.1-2: 16 and 9 octets with NUL
        raise _bad("system_id has at most 15 characters and password at most 8 (SMPP 3.4)")
    if parts.path not in ("", "/"):
        raise _bad(f"unexpected path {parts.path!r}")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = set(query) - _OPTIONS
    if unknown:
        raise _bad(f"unknown option(s) {', '.join(sorted(unknown))}")
    single = {k: v[-1] for k, v in query.items()}
    source = single.get("source", "BHXH")
    if not source or len(source) > 20 or not source.isascii():
        raise _bad("source is 1 to 20 ASCII characters")
    if not source.lstrip("+").isdigit() and len(source) > 11:
        raise _bad("an alphanumeric source (brandname) has at most 11 characters")
    try:
        timeout = float(single.get("timeout", "10"))
        max_parts = int(single.get("max_parts", "6"))
    except ValueError as exc:
        raise _bad(f"timeout or max_parts is not a number ({exc})") from exc
    if not 0 < timeout <= 300 or not 1 <= max_parts <= 255:
        raise _bad("timeout is 0 to 300 seconds and max_parts 1 to 255")
    return SmppSettings(
        host=parts.hostname, port=port or DEFAULT_PORT, system_id=system_id, password=password,
        source=source, tls=parts.scheme == "smpps", timeout=timeout,
        system_type=single.get("system_type", ""), max_parts=max_parts)
