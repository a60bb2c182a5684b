"""The documents a newcomer reads: a short README that starts with the two commands, the four
documents of docs/, links that lead somewhere inside the repository, and a configuration table
that names every setting the code reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
FOUR = ("operations.md", "integration.md", "architecture.md", "decisions.md")
SETTING = re.compile(r"OPENIVAN_[A-Z0-9_]*[A-Z0-9]")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
# Places of one machine, or of another repository's insides, that a reader elsewhere lacks.
OUTSIDE = re.compile(r"\.\./shared|shared/docs|/work/|/tmp/|/home/|/root/|file://"
                     r"|github\.com/[^/\s]+/[^/\s]+/(?:blob|tree)/")


def _documents() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code: links there are examples."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", text)


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    headings = re.findall(r"^#+\s+(.*)$", _prose_keeping_headings(path.read_text()), re.MULTILINE)
    return {_slug(h) for h in headings}


def _prose_keeping_headings(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def _local_links(path: Path) -> list[str]:
    return [target for target in LINK.findall(_prose(path.read_text()))
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]  # http:, https:, mailto:


def test_the_readme_is_under_150_lines():
    assert len(README.read_text().splitlines()) < 150


def test_the_readme_starts_with_the_two_commands_the_makefile_and_ci_run():
    lines = README.read_text().splitlines()
    fence = lines.index("```sh")
    assert fence < 15, "the set-up commands come first"
    commands = lines[fence + 1:lines.index("```", fence + 1)]
    assert [c.split()[:2] for c in commands] == [["make", "demo"], ["make", "test"]]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.mark.parametrize("name", FOUR)
def test_each_of_the_four_documents_exists_with_a_title_and_is_linked_from_the_readme(name):
    path = DOCS / name
    assert path.read_text().startswith("# ")
    assert f"docs/{name}" in _local_links(README)


def test_every_relative_link_leads_to_a_file_and_heading_of_the_repository():
    broken = []
    for document in _documents():
        for target in _local_links(document):
            file_part, _, anchor = target.partition("#")
            linked = (document.parent / file_part).resolve() if file_part else document
            if not linked.is_relative_to(ROOT) or not linked.exists():
                broken.append(f"{document.name}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{document.name}: {target} (no such heading)")
    assert broken == []


def test_no_document_points_outside_the_repository():
    outside = []
    for document in _documents():
        text = document.read_text()
        outside += [f"{document.name}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
        outside += [f"{document.name}: {target}" for target in _local_links(document)
                    if target.startswith("/")]
    assert outside == []


def _settings_read_in_src() -> set[str]:
    """Every OPENIVAN_* name the code reads: a string that is exactly a setting's name (the
    environment's reads, django-environ's, argparse's defaults naming a variable)."""
    names = set()
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SETTING.fullmatch(node.value):
                names.add(node.value)
    # A prefix the code completes (a job queue's "OPENIVAN_NOTIFY" + "_RETRY_SECONDS") is not
    # a setting of its own.
    return {name for name in names if not any(n.startswith(name + "_") for n in names)}


def test_every_setting_the_code_reads_is_in_the_configuration_table():
    rows = [line for line in (DOCS / "operations.md").read_text().splitlines()
            if line.startswith("|")]
    in_table = {name for row in rows for name in SETTING.findall(row.split("|")[1])}
    read = _settings_read_in_src()
    assert len(read) > 50  # the scan finds the settings at all
    assert sorted(read - in_table) == []
