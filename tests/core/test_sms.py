"""SMS over SMPP 3.4 against a real SMSC on loopback (smpp34's server)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from openivan.core.errors import OpenIvanError
from openivan.core.sms import SmppChannel, is_retryable, parse_receipt, parse_sms_url
from openivan.devsmsc import free_port, join_parts, refusing_smsc, running_smsc

VIETNAMESE = ("BHXH Việt Nam: tài khoản giao dịch điện tử của Ông/Bà Nguyễn Văn An đã được cấp. "
              "Tên đăng nhập: 0123456789, mật khẩu một lần: K7M4-TXAC. Hãy đổi mật khẩu ngay "
              "lần đầu đăng nhập tại dichvucong.baohiemxahoi.gov.vn; hỗ trợ 19009068.")


@pytest.fixture
def smsc():
    with running_smsc() as server:
        yield server


@pytest.fixture
def channel(smsc):
    ch = SmppChannel(parse_sms_url(smsc.url))
    yield ch
    ch.close()


# ---------------------------------------------------------------- SMS_URL

def test_sms_url_gives_account_host_port_and_sender():
    s = parse_sms_url("smpp://bhxh:p%40ss@smsc.example.vn:2776?source=BHXH&timeout=3")
    assert (s.system_id, s.password, s.host, s.port, s.source, s.timeout, s.tls) == (
        "bhxh", "p@ss", "smsc.example.vn", 2776, "BHXH", 3.0, False)
    assert "p@ss" not in s.redacted()


def test_sms_url_defaults_to_the_smpp_port_and_tls_with_smpps():
    s = parse_sms_url("smpps://bhxh:pw@smsc.example.vn")
    assert (s.port, s.tls, s.source) == (2775, True, "BHXH")


@pytest.mark.parametrize("url, problem", [
    ("", "empty"),
    ("http://bhxh:pw@host:2775", "scheme"),
    ("smpp://host:2775", "system_id"),
    ("smpp://bhxh@host:2775", "password"),
    ("smpp://bhxh:pw@host:notaport", "port"),
    ("smpp://bhxh:pw@host:99999", "port"),
    ("smpp://bhxh:pw@:2775", "host"),
    ("smpp://bhxh:pw@host:2775?sender=BHXH", "unknown option"),
    ("smpp://bhxh:pw@host:2775?source=BAOHIEMXAHOIVN", "brandname"),
    ("smpp://bhxh:pw@host:2775?timeout=soon", "number"),
    ("smpp://averyveryverylongsystemid:pw@host:2775", "at most 15"),
    ("smpp://bhxh:pw@host:2775/path", "path"),
])
def test_malformed_sms_url_is_refused_with_a_stable_code_naming_the_problem(url, problem):
    with pytest.raises(OpenIvanError) as caught:
        parse_sms_url(url)
    assert caught.value.code == "SMS_URL_INVALID"
    assert problem in caught.value.details["problem"]


# ---------------------------------------------------------------- sending

def test_vietnamese_text_goes_as_ucs2_in_concatenated_parts_the_phone_joins(smsc, channel):
    sent = channel.send("0912 345 678", VIETNAMESE)
    assert sent.encoding == "UCS2" and sent.parts > 1
    assert sent.to == "84912345678"
    parts = smsc.wait_for(sent.parts)
    assert sorted(p.message_id for p in parts) == sorted(sent.message_ids)
    assert all(p.data_coding == 8 and p.esm_class & 0x40 for p in parts)
    assert all(p.source == "BHXH" and p.registered_delivery == 1 for p in parts)
    assert join_parts(parts) == VIETNAMESE


def test_decomposed_vietnamese_is_sent_composed(smsc, channel):
    import unicodedata

    channel.send("+84912345678", unicodedata.normalize("NFD", "Mã OTP của bạn: 123456"))
    (part,) = smsc.wait_for(1)
    assert join_parts([part]) == "Mã OTP của bạn: 123456"


def test_plain_ascii_text_goes_in_one_part_of_the_default_alphabet(smsc, channel):
    sent = channel.send("0912345678", "Ma xac nhan: 123456")
    assert (sent.encoding, sent.parts) == ("GSM", 1)
    (part,) = smsc.wait_for(1)
    assert part.data_coding == 0 and part.short_message == b"Ma xac nhan: 123456"


def test_delivery_receipts_name_each_part_sent(smsc, channel):
    sent = channel.send("0912345678", VIETNAMESE)
    receipts = []
    deadline = time.monotonic() + 5
    while len(receipts) < sent.parts and time.monotonic() < deadline:
        receipts += channel.receipts(wait=0.2)
    assert sorted(r.message_id for r in receipts) == sorted(sent.message_ids)
    assert all(r.delivered and r.final and r.error == "000" for r in receipts)
    assert all(r.done_at is not None for r in receipts)


def test_a_failed_delivery_is_reported_by_its_receipt(smsc, channel):
    smsc.receipt_state = "UNDELIV"
    sent = channel.send("0912345678", "Xin chào")
    receipts = []
    deadline = time.monotonic() + 5
    while not receipts and time.monotonic() < deadline:
        receipts = channel.receipts(wait=0.2)
    assert receipts[0].message_id == sent.message_ids[0]
    assert receipts[0].state == "UNDELIV" and not receipts[0].delivered


def test_one_connection_serves_many_messages(smsc, channel):
    for n in range(5):
        channel.send("0912345678", f"Tin nhắn số {n}")
    smsc.wait_for(5)
    assert smsc.binds == ["bhxh"]


def test_receipt_text_is_read_when_the_smsc_sends_no_options():
    receipt = parse_receipt(b"id:ABC123 sub:001 dlvrd:000 submit date:2612030800 "
                            b"done date:2612030801 stat:EXPIRED err:027 text:")
    assert (receipt.message_id, receipt.state, receipt.error) == ("ABC123", "EXPIRED", "027")
    assert receipt.done_at is not None and receipt.done_at.minute == 1


# ---------------------------------------------------------------- failures

def test_unreachable_smsc_is_reported_as_retryable():
    channel = SmppChannel(parse_sms_url(f"smpp://bhxh:pw@127.0.0.1:{free_port()}"))
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", "Xin chào")
    assert caught.value.code == "SMS_UNREACHABLE" and is_retryable(caught.value)
    assert "refused" in caught.value.details["reason"].lower()


def test_tls_to_an_smsc_that_speaks_no_tls_is_unreachable_naming_tls(smsc):
    channel = SmppChannel(parse_sms_url(smsc.url.replace("smpp://", "smpps://")))
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", "Xin chào")
    assert caught.value.code == "SMS_UNREACHABLE"
    assert caught.value.details["reason"].startswith("TLS: ")
    assert smsc.submitted == []


def test_refused_bind_names_the_account_and_is_not_retried():
    with refusing_smsc(status=0x0E) as port:
        channel = SmppChannel(parse_sms_url(f"smpp://bhxh:wrong@127.0.0.1:{port}"))
        with pytest.raises(OpenIvanError) as caught:
            channel.send("0912345678", "Xin chào")
    assert caught.value.code == "SMS_BIND_REFUSED"
    assert caught.value.details == {"system_id": "bhxh", "status": "0x0000000E"}
    assert not is_retryable(caught.value)


def test_throttling_is_reported_as_retryable_and_the_next_send_goes(smsc, channel):
    smsc.throttle_next = 1
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", "Xin chào")
    assert caught.value.code == "SMS_THROTTLED" and is_retryable(caught.value)
    channel.send("0912345678", "Xin chào")
    assert len(smsc.wait_for(1)) == 1


def test_a_number_the_smsc_refuses_is_named(smsc, channel):
    smsc.reject["84987654321"] = 0x0B  # ESME_RINVDSTADR
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0987654321", "Xin chào")
    assert caught.value.code == "SMS_NUMBER_REJECTED"
    assert caught.value.details["number"] == "84987654321"
    assert not is_retryable(caught.value)


def test_any_other_refusal_keeps_its_smpp_status(smsc, channel):
    smsc.reject["84912345678"] = 0x08  # ESME_RSYSERR
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", "Xin chào")
    assert caught.value.code == "SMS_REJECTED" and caught.value.details["status"] == "0x00000008"


@pytest.mark.parametrize("number, code", [
    ("+1 202 555 0143", "PHONE_FORMAT"), ("0212345678", "PHONE_NETWORK"), ("12345", "PHONE_FORMAT"),
])
def test_a_number_that_is_not_a_vietnamese_mobile_is_refused_before_sending(
        smsc, channel, number, code):
    with pytest.raises(OpenIvanError) as caught:
        channel.send(number, "Xin chào")
    assert caught.value.code == code
    assert smsc.binds == []


def test_a_text_longer_than_the_allowed_parts_is_refused_before_sending(smsc):
    channel = SmppChannel(parse_sms_url(smsc.url + "&max_parts=2"))
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", VIETNAMESE)
    assert caught.value.code == "SMS_TOO_LONG" and caught.value.details["limit"] == 2
    assert smsc.submitted == []


def test_an_empty_text_is_refused(channel):
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", "  ")
    assert caught.value.code == "SMS_EMPTY"


def test_a_silent_smsc_times_out_and_the_next_send_binds_again(smsc):
    channel = SmppChannel(parse_sms_url(smsc.url.replace("timeout=5", "timeout=0.5")))
    smsc.silent = True
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", "Xin chào")
    assert caught.value.code == "SMS_TIMEOUT" and is_retryable(caught.value)
    smsc.silent = False
    channel.send("0912345678", "Xin chào")
    assert len(smsc.wait_for(1)) == 1 and len(smsc.binds) == 2
    channel.close()


def test_a_restarted_smsc_is_bound_again_and_the_message_goes():
    port = free_port()
    with running_smsc(port) as first:
        channel = SmppChannel(parse_sms_url(first.url))
        channel.send("0912345678", "Lần một")
    with running_smsc(port) as second:
        channel.send("0912345678", "Lần hai")
        assert join_parts(second.wait_for(1)) == "Lần hai"
        assert second.binds == ["bhxh"]
    channel.close()


def test_a_restarted_smsc_waits_for_its_port_to_be_released():
    port = free_port()
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen()
    releaser = threading.Timer(0.5, holder.close)
    releaser.start()
    with running_smsc(port) as smsc:
        channel = SmppChannel(parse_sms_url(smsc.url))
        channel.send("0912345678", "Sau khi khởi động lại")
        assert join_parts(smsc.wait_for(1)) == "Sau khi khởi động lại"
    channel.close()
    releaser.join()


def test_the_smsc_going_away_between_messages_is_unreachable_not_a_crash():
    with running_smsc() as one:
        channel = SmppChannel(parse_sms_url(one.url))
        first = channel.send("0912345678", "Lần một")
    with pytest.raises(OpenIvanError) as caught:
        channel.send("0912345678", "Lần hai")
    assert caught.value.code == "SMS_UNREACHABLE"
    # The receipt that arrived before the SMSC went is kept, not lost with the connection.
    assert [r.message_id for r in channel.receipts()] in ([], list(first.message_ids))
