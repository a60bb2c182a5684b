"""Sổ đăng ký (registries): where the apps plug into the platform.

The platform names no app. Each app adds what it brings from its `AppConfig.ready()` (or from one
`plugs.py` module its ready() imports): its monitoring checks, the secrets it keeps sealed, its
root URLs, its API routers, its links on the front page. An app that is not installed (a role
this process does not serve) registers nothing, so what is here is what this process runs.
Registering the same thing twice (ready() may run again in a test) keeps one; an entry is given
with the app that brings it (`by`, its AppConfig.name) and is seen only while that app is
installed (a test that installs an app for a while leaves nothing behind).

Error codes and their HTTP status are registered with `openivan.core.errors.register`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.apps import apps

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered list of entries, in the order the apps registered them (INSTALLED_APPS's)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: list[tuple[T, str]] = []

    def add(self, entry: T, *, by: str) -> T:
        """`by`: the app that brings it (its AppConfig.name, e.g. "openivan.agency")."""
        if (entry, by) not in self._entries:
            self._entries.append((entry, by))
        return entry

    def remove(self, entry: T) -> None:
        """For tests that plug something in for a while."""
        self._entries = [(e, by) for e, by in self._entries if e != entry]

    def entries(self) -> list[T]:
        return [entry for entry, by in self._entries if apps.is_installed(by)]

    def __iter__(self) -> Iterator[T]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.entries())

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {self._entries!r}>"


# ------------------------------------------------------------------------------ monitoring
# Each source gives the checks it knows at `now` (a list of `monitoring.Check`); the monitor
# runs the platform's own first, then every source in order.
CheckSource = Callable[[datetime], Sequence[Any]]
monitoring_checks: Registry[CheckSource] = Registry("monitoring checks")


# ------------------------------------------------------------------------------ sealed fields
@dataclass(frozen=True)
class SealedField:
    """Secrets at rest under the data key (`openivan manage reseal` moves them to the current
    key). `reseal(actor)` gives how many moved and the ids of those no key opens; `done` is an
    English msgid with %(count)d; `what` names them in the refusal ("notifications")."""

    done: str
    what: str
    reseal: Callable[[str], tuple[int, Sequence[Any]]]


sealed_fields: Registry[SealedField] = Registry("sealed fields")

# Secrets that cannot move (kept only as digests): each gives until when the old key is still
# needed for them, or None.
KeyNeededUntil = Callable[[], datetime | None]
old_key_needed: Registry[KeyNeededUntil] = Registry("old keys needed")


# ------------------------------------------------------------------------------ routes
@dataclass(frozen=True)
class UrlInclude:
    """Root URLs of an app: `path(prefix, include(module))` in the root URLconf."""

    prefix: str
    module: str  # e.g. "openivan.agency.urls"


url_includes: Registry[UrlInclude] = Registry("URL includes")


@dataclass(frozen=True)
class ApiRouter:
    """A django-ninja router mounted on the one API (/api/v1/), named by its dotted path so
    that its module is imported only when the URLs are built."""

    prefix: str
    router: str  # e.g. "openivan.agency.api.router"


api_routers: Registry[ApiRouter] = Registry("API routers")


@dataclass(frozen=True)
class HomeLink:
    """A link on the platform's front page: `label` is an English msgid, `url` a URL name."""

    label: str
    url: str


home_links: Registry[HomeLink] = Registry("front-page links")


# ------------------------------------------------------------------------------ officers' console
# The agency's console (its nav and its audit log) shows what other apps give officers without
# naming those apps: their pages in its nav, the names of their audit actions.
@dataclass(frozen=True)
class ConsoleLink:
    """A page in the officers' console nav: `label` an English msgid, `url` a URL name, shown
    to users holding `permission` ("app_label.codename")."""

    label: str
    url: str
    permission: str


console_links: Registry[ConsoleLink] = Registry("officers' console links")


@dataclass(frozen=True)
class AuditActionLabel:
    """What an audit action's code reads as in the audit log: `label` an English msgid."""

    action: str
    label: str


audit_action_labels: Registry[AuditActionLabel] = Registry("audit action labels")


# ------------------------------------------------------------------------------ account names
# How a stored user name is shown in the pages' header and the account's page: an app that
# stores its users' names in a form of its own (the provider's "ivan:0101300842", so that a
# unit's tax code at the provider never collides with the same tax code at the agency) gives
# the name its users type and know, or None for a name that is not its.
AccountName = Callable[[str], str | None]
account_names: Registry[AccountName] = Registry("account names")


def shown_account_name(username: str) -> str:
    for shown in account_names:
        name = shown(username)
        if name is not None:
            return name
    return username


# ------------------------------------------------------------------------------ account phones
# The mobile number an app knows for an account (the portal's: a person's, given in their
# 01/ĐK-GD), or None: the notices the accounts app sends itself (a password about to expire)
# then go by SMS beside the email, as every notice to a person does.
AccountPhone = Callable[[Any], str | None]
account_phones: Registry[AccountPhone] = Registry("account phones")


def phone_of(user: Any) -> str | None:
    for known in account_phones:
        phone = known(user)
        if phone:
            return phone
    return None
