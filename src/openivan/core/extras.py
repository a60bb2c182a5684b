"""Optional parts of the package (pip extras) and the clear refusal when one is missing.

`pip install openivan` gives the platform and the `openivan` command (build, sign and verify
declarations; `openivan manage …`). The demo — its CA (certomancer) serving OCSP and CRLs, its
SMTP catcher — needs `pip install 'openivan[demo]'`; a command that needs it and does not find
it stops with `EXTRA_NOT_INSTALLED`, naming the extra and the modules missing.
"""

from __future__ import annotations

import importlib.util

from openivan.core.errors import OpenIvanError

# extra (as in pyproject's optional-dependencies) -> the modules its code imports
EXTRAS: dict[str, tuple[str, ...]] = {
    "demo": ("yaml", "certomancer", "aiohttp", "aiosmtpd", "smpp34", "csc_dummy"),
}


def missing(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require(extra: str) -> None:
    """Raise `EXTRA_NOT_INSTALLED` unless every module of `extra` can be imported."""
    absent = missing(extra)
    if absent:
        raise OpenIvanError("EXTRA_NOT_INSTALLED", extra=extra, missing=", ".join(absent))
