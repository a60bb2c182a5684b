"""The agency's lifecycles (agency/states.py): every forbidden change is refused with
STATE_TRANSITION_FORBIDDEN, by the table and by the services that change a status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from openivan.agency.models import Activation, Dossier, DossierStatus
from openivan.agency.services import activation as activation_service
from openivan.agency.services import decisions
from openivan.agency.states import ACTIVATION, DOSSIER, REGISTRATION
from openivan.core.errors import OpenIvanError
from openivan.core.states import FORBIDDEN, Machine


@pytest.mark.parametrize("machine", [DOSSIER, REGISTRATION, ACTIVATION],
                         ids=lambda m: m.name_en)
def test_every_forbidden_transition_is_refused_and_every_allowed_one_passes(machine: Machine):
    forbidden = list(machine.forbidden())
    assert forbidden  # the walk walks something
    for current, target in forbidden:
        with pytest.raises(OpenIvanError) as refused:
            machine.check(current, target)
        assert refused.value.code == FORBIDDEN
        assert str(machine.labels[current]) in refused.value.message_vi
        assert str(machine.labels[target]) in refused.value.message_vi
    for current in machine.states:
        for target in machine.transitions[current]:
            machine.check(current, target)


def test_the_dossier_table_is_the_documented_lifecycle():
    D = DossierStatus
    assert set(DOSSIER.states) == set(D.values)
    assert DOSSIER.final == {D.ACCEPTED, D.REJECTED, D.EXPIRED}
    assert DOSSIER.next_states(D.CODE_EXPIRED) == [D.AWAITING_ACTIVATION, D.EXPIRED]
    assert not DOSSIER.allows(D.AWAITING_ACTIVATION, D.EXPIRED)  # only once the code ran out
    assert not DOSSIER.allows(D.NEEDS_REVIEW, D.AWAITING_ACTIVATION)


@pytest.mark.django_db(transaction=True)
def test_services_refuse_a_forbidden_change_and_change_nothing(provider, envelope, mailserver):
    from tests.agency.test_activation import activate, send
    from tests.mailserver import activation_link, confirmation_code

    dossier, email = send(provider, envelope, mailserver)
    with pytest.raises(OpenIvanError) as refused:  # a code still running: not the end
        decisions.expire(dossier, timezone.now())
    assert refused.value.code == FORBIDDEN
    assert refused.value.details == {
        "machine": "hồ sơ", "machine_en": "dossier", "current": "Chờ xác nhận",
        "target": "Hết hạn xác nhận", "from_status": "awaiting_activation",
        "to_status": "expired"}
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED
    with pytest.raises(OpenIvanError) as refused:  # a decided dossier stays decided
        decisions.expire(dossier, timezone.now())
    assert refused.value.code == FORBIDDEN
    Activation.objects.update(expires_at=timezone.now() - timedelta(hours=1))
    assert activation_service.mark_expired_codes() == 0  # the sweep passes it by
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED
    assert Dossier.objects.get().answers.filter(kind="decision").count() == 1
