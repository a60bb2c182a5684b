"""Secrets at rest survive a rotation of the data key: the old key stays a fallback until
`openivan manage reseal` has moved the outbox and the codes already sent have expired."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from openivan.core.errors import OpenIvanError
from openivan.notify.models import Notification, NotificationStatus
from openivan.notify.services import queue_email
from openivan.platform import sealing
from openivan.platform.models import AuditEvent


def rotate(settings, new: str = "the-new-data-key", *, keep_old: bool = True) -> str:  # type: ignore[no-untyped-def]
    old = settings.OPENIVAN_DATA_KEY
    settings.OPENIVAN_DATA_KEY = new
    settings.OPENIVAN_DATA_KEY_FALLBACKS = [old] if keep_old else []
    return old


def test_text_sealed_before_a_rotation_opens_while_the_old_key_is_a_fallback(settings):
    sealed = sealing.seal("mã xác nhận ABCDEFGHJK")
    rotate(settings)
    assert sealing.unseal(sealed) == "mã xác nhận ABCDEFGHJK"


def test_text_sealed_under_a_key_no_longer_known_is_refused_with_a_code(settings):
    sealed = sealing.seal("mật khẩu")
    rotate(settings, keep_old=False)
    with pytest.raises(OpenIvanError) as refused:
        sealing.unseal(sealed)
    assert refused.value.code == "DATA_KEY_UNKNOWN"


def test_new_secrets_are_sealed_under_the_new_key_alone(settings):
    rotate(settings)
    sealed = sealing.seal("thư mới")
    settings.OPENIVAN_DATA_KEY_FALLBACKS = []
    assert sealing.unseal(sealed) == "thư mới"


def test_a_digest_made_before_a_rotation_matches_only_while_its_key_is_a_fallback(settings):
    before = sealing.digest(b"TOKEN:ABCDEFGHJK")
    rotate(settings)
    assert sealing.digest_matches(before, b"TOKEN:ABCDEFGHJK")
    assert not sealing.digest_matches(before, b"TOKEN:ABCDEFGHJL")
    settings.OPENIVAN_DATA_KEY_FALLBACKS = []
    assert not sealing.digest_matches(before, b"TOKEN:ABCDEFGHJK")


def queued(reference: str) -> Notification:
    return queue_email(reference, "decision", "ketoan@example.vn", {"dossier": {
        "unit_name": "Công ty Mẫu", "form_code": "04/ĐK-IVAN", "number": reference,
        "status": "accepted", "unit_code": "TA0001A"}})


@pytest.mark.django_db
def test_reseal_moves_emails_not_yet_sent_to_the_new_key(settings, monkeypatch):
    pending, sent = queued("BHXH-1"), queued("BHXH-2")
    Notification.objects.filter(pk=sent.pk).update(status=NotificationStatus.SENT)
    body = sealing.unseal(pending.sealed_body)
    rotate(settings)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out = io.StringIO()
    call_command("reseal", stdout=out)
    settings.OPENIVAN_DATA_KEY_FALLBACKS = []  # the old key is gone: the email still opens
    assert sealing.unseal(Notification.objects.get(pk=pending.pk).sealed_body) == body
    assert bytes(Notification.objects.get(pk=sent.pk).sealed_body) == bytes(sent.sealed_body)
    assert out.getvalue().splitlines() == [
        "Emails not yet sent, sealed under the current key: 1",
        "Authenticator apps of staff accounts, sealed under the current key: 0",
        "Units' HSM passwords and certificate files, sealed under the current key: 0",
        "Passwords of remote signings still waiting, sealed under the current key: 0",
        "No confirmation code sent is still usable: the old keys may be removed once every web "
        "process and worker has the new one."]
    event = AuditEvent.objects.get(action="data_key.resealed", target="notify.notification")
    assert event.actor.startswith("cli:") and event.details == {"resealed": 1, "unreadable": 0}


@pytest.mark.django_db
def test_reseal_names_the_emails_no_key_opens_and_leaves_them_as_they_were(settings):
    lost = queued("BHXH-1")
    rotate(settings, "key-b", keep_old=False)  # key a is forgotten
    readable = queued("BHXH-2")
    rotate(settings, "key-c")  # key b is a fallback
    with pytest.raises(CommandError) as refused:
        call_command("reseal", stdout=io.StringIO())
    assert "DATA_KEY_UNKNOWN" in str(refused.value) and str(lost.pk) in str(refused.value)
    assert bytes(Notification.objects.get(pk=lost.pk).sealed_body) == bytes(lost.sealed_body)
    settings.OPENIVAN_DATA_KEY_FALLBACKS = []
    assert "Công ty Mẫu" in sealing.unseal(Notification.objects.get(pk=readable.pk).sealed_body)
