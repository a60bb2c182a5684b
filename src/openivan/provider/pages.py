"""What every provider page shares: who may open it (`provider_required`, `unit_page`), the
layout's context (`page_context`), a unit's transaction or not found, the signing agent's ports
the token pages call, and the agency's list of providers (cached: it rarely changes)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from openivan.core.errors import OpenIvanError
from openivan.provider import settings as provider_settings
from openivan.provider.models import Transaction, Unit
from openivan.provider.services import accounts, transactions, units

View = Callable[..., HttpResponse]


def provider_required(view: View) -> View:
    """Signed in with a provider's account, else to the provider's sign-in."""
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not accounts.is_provider_account(request.user):  # type: ignore[arg-type]
            return redirect_to_login(request.get_full_path(), reverse("provider:login"))
        return view(request, *args, **kwargs)
    return wrapped


def unit_page(view: View) -> View:
    """The unit of the URL, if the account may act for it; else not found."""
    @provider_required
    @wraps(view)
    def wrapped(request: HttpRequest, tax_code: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            unit = units.unit_for(request.user, tax_code)  # type: ignore[arg-type]
        except OpenIvanError as exc:
            raise Http404(exc.message_vi) from exc
        return view(request, unit, *args, **kwargs)
    return wrapped


def page_context(request: HttpRequest, unit: Unit | None, **context: Any) -> dict[str, Any]:
    """The layout's: the unit shown, the units the account may switch to, the provider."""
    return {"unit": unit, "my_units": units.units_of(request.user),  # type: ignore[arg-type]
            "provider_name": provider_settings.provider().name, **context}


def transaction_or_404(unit: Unit, transaction_id: int) -> Transaction:
    """The unit's transaction; another unit's (or none) is not found, whether it exists or not."""
    try:
        return transactions.of_unit(unit, transaction_id)
    except OpenIvanError as exc:
        raise Http404(exc.message_vi) from exc


def agent_ports() -> str:
    """The signing agent's ports on 127.0.0.1, in the order the page tries them."""
    return ",".join(str(p) for p in settings.OPENIVAN_SIGNER_PORTS)



PROVIDERS_CACHE_KEY = "provider:agency-providers"
PROVIDERS_CACHE_SECONDS = 300  # a new provider at the agency shows within 5 minutes


def other_providers() -> list[tuple[str, str]]:
    """Ngưng IVAN khác: the agency's providers (MaIVAN, name) but this one. Asked of the agency
    at most every few minutes, not on every render of the screen; an agency that does not
    answer gives an empty list (not cached, so the next render asks again)."""
    listed: list[tuple[str, str]] | None = cache.get(PROVIDERS_CACHE_KEY)
    if listed is None:
        client = None
        try:
            client = provider_settings.agency_client()
            listed = [(str(code), str(name)) for code, name in client.providers()]
        except OpenIvanError:
            return []
        finally:
            if client is not None:
                client.close()
        cache.set(PROVIDERS_CACHE_KEY, listed, PROVIDERS_CACHE_SECONDS)
    mine = provider_settings.provider().code
    return [(code, name) for code, name in listed if code != mine]
