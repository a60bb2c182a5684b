"""The notification's lifecycle (notify/states.py): the outbox's status changes only along it."""

from __future__ import annotations

import pytest

from openivan.core.errors import OpenIvanError
from openivan.core.states import FORBIDDEN
from openivan.notify import services
from openivan.notify.models import Notification, NotificationStatus
from openivan.notify.states import JOB_STATES, NOTIFICATION
from openivan.platform import jobs


def test_every_forbidden_notification_transition_is_refused():
    for current, target in NOTIFICATION.forbidden():
        with pytest.raises(OpenIvanError) as refused:
            NOTIFICATION.check(current, target)
        assert refused.value.code == FORBIDDEN
    assert NOTIFICATION.final == {NotificationStatus.SENT, NotificationStatus.EXPIRED}


def test_the_email_queue_is_registered_over_the_outbox_with_its_states():
    queue = jobs.QUEUES[services.QUEUE]
    assert (queue.model, queue.machine, queue.states) == (Notification, NOTIFICATION, JOB_STATES)
    assert f"recover:{services.QUEUE}" in jobs.PERIODIC


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("final", [NotificationStatus.SENT, NotificationStatus.EXPIRED])
def test_a_sent_or_expired_email_is_never_claimed_again(mailserver, final):
    notification = services.queue_email("BHXH-S", "decision", "a@example.vn", {"dossier": {
        "unit_name": "Công ty", "form_code": "04/ĐK-IVAN", "number": "BHXH-S",
        "status": "accepted", "unit_code": "TA0001A"}})
    Notification.objects.filter(pk=notification.pk).update(status=final)
    assert services.deliver(notification.pk) == "skipped"
    assert services.recover_abandoned() == 0 and services.expire_outdated() == 0
    assert Notification.objects.get(pk=notification.pk).status == final
    assert mailserver.messages == []
