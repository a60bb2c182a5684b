"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models

from openivan.core.identifiers import search_key


class SearchKeyField(models.CharField):  # type: ignore[type-arg]
    """The search form (`core.identifiers.search_key`) of another text field of the row,
    computed whenever the row is written — by `save()`, `update_or_create` (which writes
    fields with their own `pre_save`) and `conf.rows.insert` alike — so it cannot drift."""

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for default in ("max_length", "editable", "blank"):
            kwargs.pop(default, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = search_key(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
