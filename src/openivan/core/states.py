"""Explicit state machines (máy trạng thái): a lifecycle's states and allowed transitions in
one table, which every status change is checked against and the pages read their next steps
from. Each app declares its own in its `states.py`; this module knows none of them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from openivan.core.errors import OpenIvanError, register

FORBIDDEN = "STATE_TRANSITION_FORBIDDEN"

register({
    FORBIDDEN: (
        "Không thể chuyển {machine} từ trạng thái \u201c{current}\u201d sang "
        "\u201c{target}\u201d.",
        "The {machine_en} cannot go from {from_status} to {to_status}.",
    ),
}, layer="core")


@dataclass(frozen=True)
class Machine:
    """One lifecycle. `transitions` maps each state to the states it may become (a state that
    may stay as it is lists itself); `labels` names each state in Vietnamese for messages.
    `code` is the error code a forbidden change raises."""

    name: str  # what changes state, in Vietnamese, as a sentence names it: "hồ sơ"
    name_en: str
    transitions: Mapping[str, Sequence[str]]
    labels: Mapping[str, object]  # str, or a lazily translated name (read when raising)
    code: str = FORBIDDEN
    _allowed: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = {t for targets in self.transitions.values() for t in targets} - set(
            self.transitions)
        if unknown:
            raise ValueError(f"{self.name_en}: transitions to undeclared states {unknown}")
        if missing := set(self.transitions) - set(self.labels):
            raise ValueError(f"{self.name_en}: states without a label {missing}")
        object.__setattr__(self, "_allowed", {
            str(s): frozenset(str(t) for t in targets) for s, targets in self.transitions.items()})

    @property
    def states(self) -> list[str]:
        return [str(s) for s in self.transitions]

    @property
    def final(self) -> frozenset[str]:
        """The states nothing leaves."""
        return frozenset(s for s, targets in self._allowed.items() if not targets)

    def allows(self, current: str, target: str) -> bool:
        return target in self._allowed.get(str(current), frozenset())

    def check(self, current: str, target: str) -> None:
        """Raise this machine's error unless `current` may become `target`."""
        if not self.allows(current, target):
            raise OpenIvanError(
                self.code, machine=self.name, machine_en=self.name_en,
                current=str(self.labels.get(str(current), current)),
                target=str(self.labels.get(str(target), target)),
                from_status=str(current), to_status=str(target))

    def next_states(self, state: str) -> list[str]:
        """The states `state` may become, other than itself, in the table's order."""
        return [str(t) for t in self.transitions.get(state, ()) if str(t) != str(state)]

    def sources(self, target: str) -> list[str]:
        """The states from which `target` may be reached (for a conditional UPDATE)."""
        return [s for s, targets in self._allowed.items() if str(target) in targets]

    def forbidden(self) -> Iterator[tuple[str, str]]:
        """Every (from, to) pair the table does not allow."""
        for current in self.states:
            for target in self.states:
                if not self.allows(current, target):
                    yield current, target
