"""The package stands alone: the wheel, installed without any extra in a fresh virtual
environment, gives a working `openivan` command; every library the package imports is one of
its declared dependencies (the demo's, of the `demo` extra).

The fresh environment installs from a local wheelhouse (~/.cache/openivan-wheelhouse, or
$OPENIVAN_WHEELHOUSE), filled once from requirements.lock's pins, so that a warm run downloads
nothing."""

from __future__ import annotations

import ast
import fcntl
import functools
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from openivan.core import extras

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "openivan"
DEMO_PARTS = ("demo", "devpki", "devsmsc.py")  # the parts that may use the demo extra


def _normalise(requirement: str) -> str:
    """`psycopg[binary]>=3` -> `psycopg` (PEP 503 name, no extras, no version)."""
    name = re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras_ = {extra: {_normalise(r) for r in requirements}
               for extra, requirements in project["optional-dependencies"].items()}
    return {_normalise(r) for r in project["dependencies"]}, extras_


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distribution(module: str) -> str:
    names = _distributions().get(module)
    assert names, f"{module} is imported but no installed distribution provides it"
    return _normalise(names[0])


def _third_party_imports(path: Path) -> set[str]:
    """Top-level modules `path` imports (at module level or inside functions), outside the
    standard library and the package itself."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names}
    return found - set(sys.stdlib_module_names) - {"openivan", "__future__"}


def test_every_library_the_package_imports_is_a_declared_dependency():
    dependencies, optional = _declared()
    undeclared = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = path.relative_to(PACKAGE).parts[0]
        allowed = dependencies | (optional["demo"] if part in DEMO_PARTS else set())
        for module in _third_party_imports(path):
            if _distribution(module) not in allowed:
                undeclared.append(f"{path.relative_to(ROOT)}: {module}")
    assert undeclared == []


def test_every_app_middleware_and_backend_the_settings_name_is_a_declared_dependency():
    from django.conf import settings

    dependencies, _ = _declared()
    dotted = [*settings.INSTALLED_APPS, *settings.MIDDLEWARE,
              *(store["BACKEND"] for store in settings.STORAGES.values())]
    modules = {name.split(".")[0] for name in dotted} - {"openivan"}
    if any("Argon2" in hasher for hasher in settings.PASSWORD_HASHERS):
        modules.add("argon2")  # Django's Argon2 hasher imports it when it hashes
    assert sorted(m for m in modules if _distribution(m) not in dependencies) == []


def test_the_demo_extra_holds_every_module_the_demo_asks_for():
    _, optional = _declared()
    assert {_distribution(module) for module in extras.EXTRAS["demo"]} == optional["demo"]
    assert "openivan[demo]" in {r.replace(" ", "") for r in tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]}


# ---------------------------------------------------------------- the wheel, installed

def _wheelhouse() -> Path:
    """One folder per requirements.lock: a changed lock fills a new one."""
    lock_digest = hashlib.sha256((ROOT / "requirements.lock").read_bytes()).hexdigest()[:12]
    base = Path(os.environ.get("OPENIVAN_WHEELHOUSE",
                               Path.home() / ".cache" / "openivan-wheelhouse"))
    return base / lock_digest


def _run(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)


def _install(python: Path, wheel: Path, wheelhouse: Path) -> subprocess.CompletedProcess[str]:
    # --no-compile: the few modules the commands use compile as they load, not all of Django.
    return _run(python, "-m", "pip", "install", "--quiet", "--no-compile", "--no-index",
                "--find-links", wheelhouse, "--constraint", ROOT / "requirements.lock", wheel)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The wheel built from this checkout, installed with no extra in a fresh venv: once per
    test run, the xdist workers taking turns (a second build cost each worker 17 s)."""
    shared = tmp_path_factory.getbasetemp()
    base = (shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared) / "wheel"
    base.mkdir(exist_ok=True)
    with (base / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / "installed").exists():
            _build_and_install(base)
            (base / "installed").touch()
    home = base / "home"
    # Nothing of the checkout or of the development venv: no PYTHONPATH, another directory.
    env = {"PATH": f"{base / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": str(home),
           "LANG": "C.UTF-8", "OPENIVAN_HOME": str(home / "var")}
    return SimpleNamespace(venv=base / "venv", python=base / "venv" / "bin" / "python",
                           env=env, cwd=home)


def _build_and_install(base: Path) -> None:
    source = base / "source"  # a copy: building in the checkout would leave build/ in it
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                 "--no-build-isolation", "--wheel-dir", base / "dist", source)
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("openivan-*.whl")

    venv = base / "venv"
    created = _run(sys.executable, "-m", "venv", venv)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    wheelhouse = _wheelhouse()
    wheelhouse.mkdir(parents=True, exist_ok=True)
    with (wheelhouse / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one filler at a time (pytest-xdist)
        result = _install(python, wheel, wheelhouse)
        if result.returncode != 0:  # a cold wheelhouse: fill it with the runtime closure
            filled = _run(sys.executable, "-m", "pip", "download", "--quiet", "--dest",
                          wheelhouse, "--constraint", ROOT / "requirements.lock", wheel)
            assert filled.returncode == 0, filled.stderr
            for stale in wheelhouse.glob("openivan-*.whl"):  # ours is built afresh each time
                stale.unlink()
            result = _install(python, wheel, wheelhouse)
    assert result.returncode == 0, result.stderr
    (base / "home").mkdir()


def openivan(installed: SimpleNamespace, *args: str | Path,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return _run(installed.venv / "bin" / "openivan", *args, env={**installed.env, **(env or {})},
                cwd=installed.cwd, timeout=120)


def test_the_fresh_venv_has_the_package_and_none_of_the_extras(installed):
    result = _run(installed.python, "-c",
                  "import importlib.util, openivan; print(openivan.__file__); "
                  "print([m for m in ('yaml', 'certomancer', 'aiosmtpd', 'pytest') "
                  "if importlib.util.find_spec(m)])",
                  env=installed.env, cwd=installed.cwd)
    assert result.returncode == 0, result.stderr
    location, present = result.stdout.splitlines()
    assert Path(location).is_relative_to(installed.venv)
    assert present == "[]"


def test_the_installed_command_builds_signs_and_verifies_the_sample_declaration(
        installed, pki, trust_dir, tmp_path):
    unsigned, signed, p12 = tmp_path / "dk.xml", tmp_path / "dk.signed.xml", tmp_path / "unit.p12"
    p12.write_bytes(pki.pkcs12("unit", "mat-khau"))

    built = openivan(installed, "xml", "build", "04", "--sample", "-o", unsigned)
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""
    root = etree.fromstring(unsigned.read_bytes())
    assert root.tag == "DangKyIVAN"
    assert root.findtext("ThongTinDonVi/MaSoThue") == "0101300842"

    sign = openivan(installed, "xml", "sign", unsigned, "--p12", p12, "-o", signed,
                    env={"OPENIVAN_P12_PASSWORD": "mat-khau"})
    assert sign.returncode == 0, sign.stderr
    assert sign.stderr == ""  # no warning either
    signature = etree.fromstring(signed.read_bytes()).find(
        "Cky/{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None

    verified = openivan(installed, "xml", "verify", signed, "--trust-store", trust_dir)
    assert verified.returncode == 0, verified.stderr
    lines = verified.stdout.splitlines()
    assert lines[0] == "OK IvanRegistration"
    assert lines[1].startswith("Cky: CÔNG TY TNHH GIẢI PHÁP MỞ | MST/ID 0101300842 | ký lúc ")
    assert "thu hồi: ocsp:good" in lines[1]  # the served demo CA answered the installed command


def test_the_installed_command_refuses_a_tampered_declaration_with_its_code(
        installed, pki, trust_dir, tmp_path):
    unsigned, signed, p12 = tmp_path / "dk.xml", tmp_path / "dk.signed.xml", tmp_path / "unit.p12"
    p12.write_bytes(pki.pkcs12("unit", "mat-khau"))
    openivan(installed, "xml", "build", "04", "--sample", "-o", unsigned)
    openivan(installed, "xml", "sign", unsigned, "--p12", p12, "-o", signed,
             env={"OPENIVAN_P12_PASSWORD": "mat-khau"})
    signed.write_bytes(signed.read_bytes().replace(b"TA1234", b"TA9999"))
    verified = openivan(installed, "xml", "verify", signed, "--trust-store", trust_dir)
    assert verified.returncode == 2
    assert verified.stderr.startswith("SIG_INVALID:")


def test_the_installed_command_without_the_demo_extra_says_which_extra_to_install(installed):
    for command in (("demo", "send", "04"), ("demo", "run")):
        result = openivan(installed, *command)
        assert result.returncode == 2, result.stderr
        first = result.stderr.splitlines()[0]
        assert first.startswith("EXTRA_NOT_INSTALLED: ")
        assert "pip install 'openivan[demo]'" in first and "certomancer" in first
    english = openivan(installed, "demo", "send", "04", env={"LANG": "en_US.UTF-8"})
    assert english.stderr.startswith("EXTRA_NOT_INSTALLED: This command needs the optional "
                                     "part openivan[demo]")


def test_the_installed_package_loads_the_django_project_and_hashes_with_argon2(installed):
    env = {"DEBUG": "1"}
    check = openivan(installed, "manage", "check", env=env)
    assert check.returncode == 0, check.stderr
    assert "no issues" in check.stdout
    hashed = openivan(installed, "manage", "shell", "-c",
                      "from django.contrib.auth.hashers import make_password; "
                      "print(make_password('mat-khau-dai-du-12'))", env=env)
    assert hashed.returncode == 0, hashed.stderr
    assert hashed.stdout.splitlines()[-1].startswith("argon2$argon2id$")
