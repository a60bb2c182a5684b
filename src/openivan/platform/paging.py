"""Pages of long lists whose cost does not grow with the table."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts at most `cap` rows. A COUNT(*) over years of dossiers costs more than the page
    it numbers (benchmarks/bench_console.py); past the cap the list says "more than", and
    the officer narrows it with the search or the filters."""

    def __init__(self, object_list: Any, per_page: int, cap: int = 10_000) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list[: self.cap + 1].count()  # COUNT(*) of a LIMIT subquery

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap
