"""The portal's error codes are registered in the core catalogue, in Vietnamese and English."""

from __future__ import annotations

import string

from openivan.core.errors import LAYERS, MESSAGES, OpenIvanError

# The codes core raises for the portal (the desk's RECORDS_FILE_* are the portal app's own).
PORTAL_PREFIXES = ("SMS_", "RECORD_", "RECORDS_CSV", "REFERENCE_", "CERT_PERSON", "CERT_NO_PERSON",
                   "CCCD_")
PORTAL_MESSAGES = {code: pair for code, pair in MESSAGES.items()
                   if code.startswith(PORTAL_PREFIXES)}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_portal_code_is_registered_with_both_messages_and_the_same_placeholders():
    assert len(PORTAL_MESSAGES) > 10
    for code, (vi, en) in PORTAL_MESSAGES.items():
        assert LAYERS[code] == "core"
        assert vi and en and vi != en, code
        assert _fields(vi) == _fields(en), code


def test_a_portal_error_renders_its_details():
    error = OpenIvanError("SMS_BIND_REFUSED", system_id="bhxh", status="0x0000000E")
    assert error.message_vi == ("Tổng đài tin nhắn từ chối đăng nhập của tài khoản bhxh "
                                "(mã lỗi SMPP 0x0000000E).")
    assert error.as_dict()["code"] == "SMS_BIND_REFUSED"


def test_the_individual_form_has_an_xsd_its_documents_satisfy():
    from lxml import etree

    from openivan.core.xml import codec, individual
    from tests.core.test_individual_declaration import sample

    schema = etree.XMLSchema(etree.fromstring(
        codec.generate_xsd([individual.IndividualRegistration])))
    assert schema.validate(etree.fromstring(individual.build(sample()))), schema.error_log
