"""Error codes live with the layer that raises them, and docs/error-codes.md is made from them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from openivan.core import errors
from openivan.platform.error_catalogue import load_all, markdown

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "openivan"
COMMITTED = ROOT / "docs" / "error-codes.md"
REGENERATE = "openivan manage error_codes --markdown -o docs/error-codes.md"
RAISED = re.compile(r'(?:OpenIvanError|AgentError)\(\s*"([A-Z0-9_]+)"')


def test_the_committed_catalogue_is_the_one_the_code_makes() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == markdown(load_all()), (
        f"docs/error-codes.md is stale: run `{REGENERATE}` and commit it")


def test_the_command_writes_the_catalogue(tmp_path: Path) -> None:
    out = tmp_path / "codes.md"
    call_command("error_codes", markdown=True, output=out)
    text = out.read_text(encoding="utf-8")
    assert text == markdown(load_all())
    assert "| `DOSSIER_NOT_FOUND` | agency | 404 | Không tìm thấy hồ sơ {number}. |" in text
    assert "| `MST_FORMAT` | core |  |" in text
    assert "| `DATABASE_UNAVAILABLE` | platform | 503 |" in text


def test_the_plain_listing_has_one_line_a_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out = io.StringIO()
    call_command("error_codes", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(load_all())
    assert "RATE_LIMITED\tplatform\t429\t" in out.getvalue()


def test_every_code_has_a_layer() -> None:
    # A code added with MESSAGES.update(...) rather than register() has none.
    missing = sorted(code for code in load_all() if code.layer == "?")
    assert not missing, f"register these with core.errors.register: {missing}"


def _raised() -> Iterator[tuple[str, str, str]]:
    for path in sorted(SRC.rglob("*.py")):
        layer = path.relative_to(SRC).parts[0].removesuffix(".py")
        for code in RAISED.findall(path.read_text(encoding="utf-8")):
            yield str(path.relative_to(ROOT)), layer, code


def test_each_code_raised_is_registered_by_its_layer_or_one_below() -> None:
    load_all()
    below = {"core": {"core"}, "platform": {"core", "platform"}}
    wrong = []
    for where, layer, code in _raised():
        owner = errors.LAYERS.get(code)
        allowed = below.get(layer, {"core", "platform", layer})
        if layer == "cli":
            allowed = {"core", "platform"}
        if owner not in allowed:
            wrong.append(f"{where}: raises {code}, registered by {owner}")
    assert not wrong, "\n".join(wrong)
    assert len(list(_raised())) > 200  # the pattern does find the raises


@pytest.fixture
def scratch_codes() -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for code in made:
        errors.MESSAGES.pop(code, None)
        errors.LAYERS.pop(code, None)
        errors.STATUS.pop(code, None)
        errors.OUTAGES.discard(code)


def test_register_gives_codes_their_layer_status_and_outage(scratch_codes: list[str]) -> None:
    scratch_codes += ["TEST_GONE", "TEST_BUSY"]
    errors.register({"TEST_GONE": ("Đã mất {x}.", "Gone {x}."), "TEST_BUSY": ("Bận.", "Busy.")},
                    layer="testing", status={"TEST_GONE": 410}, outages={"TEST_BUSY"})
    gone = errors.OpenIvanError("TEST_GONE", x=1)
    assert (gone.message_vi, errors.http_status("TEST_GONE")) == ("Đã mất 1.", 410)
    assert errors.http_status("TEST_BUSY") == 503 and "TEST_BUSY" in errors.OUTAGES
    assert errors.http_status("MST_FORMAT") == errors.DEFAULT_STATUS == 422
    # Imported again: the same registration changes nothing.
    errors.register({"TEST_GONE": ("Đã mất {x}.", "Gone {x}.")}, layer="testing")


def test_a_code_belongs_to_one_layer(scratch_codes: list[str]) -> None:
    scratch_codes.append("TEST_MINE")
    errors.register({"TEST_MINE": ("Của tôi.", "Mine.")}, layer="testing")
    with pytest.raises(ValueError, match=r"TEST_MINE.*already registered by testing"):
        errors.register({"TEST_MINE": ("Của tôi.", "Mine.")}, layer="other")
    with pytest.raises(ValueError, match=r"MST_FORMAT.*already registered by core"):
        errors.register({"MST_FORMAT": ("Khác.", "Other.")}, layer="testing")
    with pytest.raises(KeyError, match="not one of its codes"):
        errors.register({}, layer="testing", status={"MST_FORMAT": 400})
