"""The public endpoint's guards: one declaration being decided per person even when two arrive at
the same moment (a partial unique constraint under the intake's look-up), and a limit on how
many declarations one client address may send in a minute."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from openivan.core.errors import OpenIvanError
from openivan.portal.models import Declaration, DeclarationJob, DeclarationStatus
from openivan.portal.services import intake
from tests.portal.conftest import declared, signed, stored

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/portal/declarations"


def test_two_declarations_of_one_person_at_the_same_moment_store_one(portal, pki, monkeypatch):
    """Two web processes (two threads, two connections) both look, find nothing in progress,
    and insert: the constraint lets one through; the other is told which one is in progress."""
    bodies = [signed(pki), signed(pki, declared(address="Số 2 Tràng Tiền, Hà Nội"))]
    # Hold each thread after its look-up until both have looked (PostgreSQL; SQLite's
    # IMMEDIATE transactions serialise the two anyway, so there the gate would only wait).
    both_looked = threading.Barrier(2, timeout=10)
    fresh = intake._fresh_reference
    gated: set[int] = set()

    def after_the_look() -> str:
        if connection.vendor == "postgresql" and threading.get_ident() not in gated:
            gated.add(threading.get_ident())
            both_looked.wait()
        return fresh()

    monkeypatch.setattr(intake, "_fresh_reference", after_the_look)
    outcomes: list[object] = [None, None]

    def submit(n: int) -> None:
        try:
            outcomes[n] = intake.receive(bodies[n]).declaration.reference
        except OpenIvanError as error:
            outcomes[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [stored_one] = Declaration.objects.all()
    assert DeclarationJob.objects.count() == 1
    refused = [o for o in outcomes if isinstance(o, OpenIvanError)]
    assert [o for o in outcomes if isinstance(o, str)] == [stored_one.reference]
    assert [e.code for e in refused] == ["PORTAL_DECLARATION_IN_PROGRESS"]
    assert "reference" not in refused[0].details  # the only key to its status page


def test_the_database_itself_refuses_a_second_declaration_in_progress(portal):
    stored()
    with pytest.raises(IntegrityError), transaction.atomic():
        stored(status=DeclarationStatus.AWAITING_DESK)
    # Once the first is decided, the person may declare again.
    Declaration.objects.update(status=DeclarationStatus.REJECTED)
    stored()
    assert Declaration.objects.count() == 2


def test_too_many_declarations_from_one_address_are_refused_with_429(portal, settings):
    settings.OPENIVAN_PORTAL_RATE_LIMIT_PER_MINUTE = 2
    flood, neighbour = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")
    # Refused bodies count too: a script flooding the endpoint with junk is what it stops.
    assert [flood.post(URL, data=b"", content_type="application/xml").status_code
            for _ in range(2)] == [422, 422]

    response = flood.post(URL, data=b"<x/>", content_type="application/xml")

    assert response.status_code == 429
    assert response.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert neighbour.post(URL, data=b"", content_type="application/xml").status_code == 422
    assert not Declaration.objects.exists()
