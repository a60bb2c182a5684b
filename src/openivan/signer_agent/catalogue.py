"""Where Vietnamese tokens' PKCS#11 modules live once their vendor's driver is installed.

The names are those the vendors' installers ship (VNPT-CA, Viettel-CA, BkavCA, FPT-CA, CA2, and
the Feitian / SafeNet tokens several of them resell). The agent loads every one it finds, plus
any path the configuration names; nothing here is downloaded or installed by the agent.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Base names, without "lib" prefix or extension: each is tried as NAME and libNAME with the
# platform's extensions.
VENDOR_MODULES: dict[str, tuple[str, ...]] = {
    "VNPT-CA": ("vnptca_p11_v8", "vnpt-ca_v6", "vnpt-ca_csp11"),
    "Viettel-CA": ("viettel-ca_v6", "viettel-ca_v5", "viettel-ca_v4", "viettel-ca_v3",
                   "viettel-ca_v2", "viettel-ca"),
    "BkavCA": ("BkavCAPKCS11", "BkavCA"),
    "FPT-CA": ("SignatureP11",),
    "CA2": ("ShuttleCsp11_3003",),
    "Feitian ePass2003": ("eps2003csp11",),
    "SafeNet eToken": ("eTPKCS11",),
}

if sys.platform == "win32":
    _EXTENSIONS: tuple[str, ...] = (".dll",)
    _PLACES = (Path("C:/Windows/System32"), Path("C:/Windows/SysWOW64"))
elif sys.platform == "darwin":
    _EXTENSIONS = (".dylib", ".so")
    _PLACES = (Path("/usr/local/lib"), Path("/Library/Frameworks"), Path("/usr/lib"),
               Path("/opt/homebrew/lib"))
else:
    _EXTENSIONS = (".so",)
    _PLACES = (Path("/usr/lib"), Path("/usr/local/lib"), Path("/usr/lib/x86_64-linux-gnu"),
               Path("/usr/lib64"), Path("/usr/lib/pkcs11"), Path("/opt"))


def candidates(places: tuple[Path, ...] = _PLACES) -> list[tuple[str, Path]]:
    """(vendor, path) of every catalogued module file name in every usual place."""
    found = []
    for vendor, names in VENDOR_MODULES.items():
        for name in names:
            for prefix in ("", "lib"):
                for extension in _EXTENSIONS:
                    for place in places:
                        found.append((vendor, place / f"{prefix}{name}{extension}"))
    return found


def installed_modules(configured: list[str],
                      places: tuple[Path, ...] = _PLACES) -> list[tuple[str, str]]:
    """(vendor, path) of the modules present: the configured ones first, then the catalogue's.

    A configured path is kept even if absent, so the listing can say it could not be loaded.
    """
    modules: list[tuple[str, str]] = [("cấu hình", path) for path in configured]
    seen = {str(Path(path).resolve()) for path in configured}
    for vendor, path in candidates(places):
        if path.is_file() and str(path.resolve()) not in seen:
            seen.add(str(path.resolve()))
            modules.append((vendor, str(path)))
    return modules
