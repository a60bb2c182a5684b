"""Who may import whom, read from the source: every `import` in src/openivan (imports inside
functions and `if` blocks included, as `ast` finds them), not only those run at start-up.

Layers, bottom up: `core` (no Django) <- `platform` (imports no app) <- the apps <- `cli` <- `conf`;
the signing agent (`signer_agent`, run on a user's PC) stands on core alone, without Django.
An app uses another only through its services, models (to read) and forms.
No module of src/openivan imports, directly or through others, a module that imports it back.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "openivan"
APPS = frozenset({"accounts", "agency", "notify", "provider", "portal", "demo", "signer_agent",
                  "devpki"})
# A module's rank by its layer (the second part of its name); a module imports none of a higher
# rank. `openivan` itself (the version) is below everything.
RANK = {"": -1, "core": 0, "platform": 1, **dict.fromkeys(APPS, 2), "cli": 3, "conf": 4}
# Being replaced by the one job mechanism (issue 24 §3, another branch): their imports of apps go
# with them. Remove an entry when its file is gone (a test below fails until then).
DJANGO_PACKAGES = frozenset({"django", "ninja", "django_tasks", "django_tasks_db", "axes",
                             "environ"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported name, line) for every import statement of `module`."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> Iterator[tuple[str, int]]:
    """Every import statement of `source` (a module of `package`), wherever it stands; a
    `from a import b` names `a.b` when that is a module of ours, else `a`. Relative imports
    are resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield (sub if sub in MODULES else base), node.lineno


def internal_target(name: str) -> str | None:
    """The module of ours that `name` loads (the longest prefix that is one), if any."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def graph() -> dict[str, dict[str, int]]:
    edges: dict[str, dict[str, int]] = {m: {} for m in MODULES}
    for module in MODULES:
        for name, line in imports(module):
            target = internal_target(name) if name.split(".")[0] == PACKAGE else None
            if target and target != module:
                edges[module].setdefault(target, line)
    return edges


def strongly_connected(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's components of more than one module (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def one_cycle(component: list[str], edges: dict[str, dict[str, int]]) -> list[str]:
    """A shortest way from the component's first module back to itself, inside it."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in edges[node]:
                if child not in members or child in previous:
                    continue
                previous[child] = node
                if child == start:
                    path = [start]
                    while path[-1] != start or len(path) == 1:
                        path.append(previous[path[-1]])
                    return path[::-1]
                following.append(child)
        frontier = following
    return component


def describe(cycle: list[str], edges: dict[str, dict[str, int]]) -> str:
    steps = [f"{a} (line {edges[a][b]})" for a, b in itertools.pairwise(cycle)]
    return " -> ".join([*steps, cycle[-1]])


def test_the_walk_sees_imports_inside_functions_and_relative_ones() -> None:
    # The walk is only worth something if it finds what a start-up import would not run.
    source = ("def later():\n    from openivan.agency import checks\n"
              "if False:\n    import openivan.notify.services\n"
              "from ...accounts import services\n")
    assert sorted(name for name, line in imports_in(source, "openivan.platform.services")) == [
        "openivan.accounts.services", "openivan.agency.checks", "openivan.notify.services"]
    assert "openivan.core.errors" in dict(imports("openivan.core.identifiers"))


def test_an_app_reaching_into_another_is_told_apart_from_one_using_its_services() -> None:
    assert _reaches_inside("portal", "openivan.accounts.views")
    assert _reaches_inside("portal", "openivan.agency.trust")
    assert not _reaches_inside("portal", "openivan.agency.services.answers")
    assert not _reaches_inside("provider", "openivan.accounts.forms")
    assert not _reaches_inside("portal", "openivan.portal.tasks")  # its own


def test_no_module_imports_one_that_imports_it_back() -> None:
    edges = graph()
    cycles = [describe(one_cycle(c, edges), edges) for c in strongly_connected(edges)]
    assert not cycles, "import cycles in src/openivan:\n" + "\n".join(cycles)


# What an app may use of another (docs/architecture.md): its services, its models (to read) and
# its forms (the accounts app's sign-in forms, which the other sign-in pages build on) — never
# its views, tasks, internals. The demo composes every app for `make demo` (it writes their
# models to set the demo up) and stands on the test PKI, so it is the one exception.
PUBLIC_TO_APPS = frozenset({"services", "models", "forms"})
COMPOSERS = frozenset({"demo"})


def _reaches_inside(own: str, target: str) -> bool:
    """Whether `target` (a module of another app than `own`) is not that app's public part."""
    parts = target.split(".")
    return (own in APPS and own not in COMPOSERS and layer(target) in APPS
            and layer(target) != own and (len(parts) < 3 or parts[2] not in PUBLIC_TO_APPS))


# The layers that run without Django, by the rule that checks them.
WITHOUT_DJANGO = {"core": "core", "agent": "signer_agent"}


def _offences(rule: str) -> list[str]:
    found = []
    for module in MODULES:
        own = layer(module)
        for name, line in imports(module):
            top = name.split(".")[0]
            where = f"{MODULES[module].relative_to(SRC.parent)}:{line}: {module} imports {name}"
            if top != PACKAGE:
                if own == WITHOUT_DJANGO.get(rule) and top in DJANGO_PACKAGES:
                    found.append(where + f" ({own} imports no Django)")
                continue
            target = layer(internal_target(name) or name)
            if rule == "core" and own == "core" and target not in ("core", ""):
                found.append(where + " (core imports nothing above core)")
            elif (rule == "platform" and own == "platform"
                  and target not in ("core", "platform", "")):
                found.append(where + " (platform imports no app)")
            elif (rule == "upward" and own != "conf" and target in RANK and own in RANK
                  and RANK[target] > RANK[own]):
                found.append(where + f" ({own} is below {target})")
            elif (rule == "agent" and own == "signer_agent"
                  and target not in ("core", "signer_agent", "")):
                found.append(where + " (the signing agent stands alone on core)")
            elif rule == "apps" and _reaches_inside(own, internal_target(name) or name):
                found.append(where + " (another app is used through its services, models "
                             "or forms)")
            elif rule == "conf" and own != "conf" and target == "conf":
                found.append(where + " (conf is imported by no one)")
    return found


@pytest.mark.parametrize("rule", ["core", "platform", "agent", "upward", "apps", "conf"])
def test_each_layer_imports_only_what_is_below_it(rule: str) -> None:
    offences = _offences(rule)
    assert not offences, "\n".join(offences)
