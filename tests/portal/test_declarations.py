"""The desk path's service and the pages without a browser: a declaration confirmed for the
desk, the refusals of a second one, the lookup by reference code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from openivan.core import reference as references
from openivan.core.errors import OpenIvanError
from openivan.core.xml import individual
from openivan.devsmsc import join_parts
from openivan.platform.models import AuditEvent
from openivan.portal.models import Declaration, Person
from openivan.portal.services import declarations
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.portal.conftest import person_form

pytestmark = pytest.mark.django_db


def test_a_declaration_confirmed_for_the_desk_awaits_it_with_ten_days_and_its_xml(
        reception_point) -> None:
    now = timezone.now()
    made = declarations.confirm_for_desk(person_form(), reception_point, now=now)
    assert made.status == "awaiting_desk" and made.filing == "TaiCoQuanBHXH"
    assert references.parse_reference(made.reference) == made.reference
    assert made.deadline_at == now + timedelta(days=10)
    assert made.phone == "84912345678" and made.reception_point == reception_point
    model = individual.read(bytes(made.document))
    assert (model.filing, model.reception_point) == ("TaiCoQuanBHXH", "BHXH quận Hoàn Kiếm")
    assert model.full_name == "Nguyễn Văn An" and [t.code for t in model.transactions] == [
        "TRA_CUU", "CHE_DO"]
    assert AuditEvent.objects.filter(action="declaration.confirmed",
                                     target=f"declaration:{made.reference}").exists()


def test_the_filing_days_are_a_setting(reception_point, settings) -> None:
    settings.OPENIVAN_PORTAL_FILING_DAYS = 3
    now = timezone.now()
    made = declarations.confirm_for_desk(person_form(), reception_point, now=now)
    assert made.deadline_at == now + timedelta(days=3)


def test_a_second_declaration_while_one_is_in_progress_is_refused(reception_point) -> None:
    first = declarations.confirm_for_desk(person_form(), reception_point)
    with pytest.raises(OpenIvanError) as caught:
        declarations.confirm_for_desk(person_form(), reception_point)
    assert caught.value.code == "PORTAL_DECLARATION_IN_PROGRESS"
    assert references.display(first.reference) not in caught.value.message_vi  # its only key
    assert Declaration.objects.count() == 1


def test_a_person_with_an_account_is_refused(reception_point) -> None:
    user = get_user_model().objects.create_user("0123456789", password="x" * 16)
    Person.objects.create(user=user, bhxh_number="0123456789", id_number="001090000001",
                          phone="84912345678", created_at=timezone.now())
    with pytest.raises(OpenIvanError) as caught:
        declarations.confirm_for_desk(person_form(), reception_point)
    assert caught.value.code == "PORTAL_ACCOUNT_EXISTS"
    assert not Declaration.objects.exists()


def test_an_invalid_form_names_each_field_and_nothing_is_written(reception_point) -> None:
    with pytest.raises(OpenIvanError) as caught:
        declarations.confirm_for_desk(person_form(id_number="12345", mobile="0112345678",
                                                  full_name=""), reception_point)
    fields = {p["field"]: p["code"] for p in caught.value.details["problems"]}
    assert fields == {"HoTen": "FIELD_REQUIRED", "SoGiayTo": "CCCD_FORMAT",
                      "DienThoaiDiDong": "PHONE_NETWORK"}
    assert not Declaration.objects.exists() and not AuditEvent.objects.filter(
        action="declaration.confirmed").exists()


def test_the_lookup_checks_the_code_before_any_query(reception_point,
                                                     django_assert_num_queries) -> None:
    with django_assert_num_queries(0), pytest.raises(OpenIvanError) as caught:
        declarations.find_by_reference("KM4TX-ACH7A")  # a mistyped check character
    assert caught.value.code in ("REFERENCE_CHECK", "REFERENCE_FORMAT")
    body = "ACDEFGHJK"
    with pytest.raises(OpenIvanError) as caught:
        declarations.find_by_reference(body + references.check_character(body))
    assert caught.value.code == "PORTAL_DECLARATION_NOT_FOUND"


def test_cancelled_and_used_codes_say_so(reception_point) -> None:
    made = declarations.confirm_for_desk(person_form(), reception_point)
    found = declarations.find_by_reference(references.display(made.reference).lower())
    assert found == made and declarations.reference_problem(found) is None
    Declaration.objects.filter(pk=made.pk).update(status="cancelled")
    problem = declarations.reference_problem(declarations.find_by_reference(made.reference))
    assert problem is not None and problem.code == "PORTAL_REFERENCE_CANCELLED"
    Declaration.objects.filter(pk=made.pk).update(status="accepted")
    problem = declarations.reference_problem(declarations.find_by_reference(made.reference))
    assert problem is not None and problem.code == "PORTAL_REFERENCE_USED"


def test_the_printable_form_is_rendered_once_and_kept(reception_point) -> None:
    made = declarations.confirm_for_desk(person_form(), reception_point)
    pdf = declarations.form_pdf(made)
    assert pdf.startswith(b"%PDF")
    again = Declaration.objects.get(pk=made.pk)
    assert bytes(again.form_pdf) == pdf
    assert declarations.form_pdf(again) == pdf


@pytest.mark.django_db(transaction=True)
def test_the_reference_code_and_the_deadline_go_by_email_and_sms(reception_point, mailserver,
                                                                 smsc) -> None:
    made = declarations.confirm_for_desk(person_form(), reception_point)
    run_worker()
    [email] = mailserver.wait_for(1)
    code = references.display(made.reference)
    assert email["To"] == "an.nguyen@example.vn" and code in email["Subject"]
    body = body_of(email)
    assert code in body and "BHXH quận Hoàn Kiếm" in body and "10 ngày" in body
    smsc.wait_for(1)
    text = join_parts(smsc.messages_to("84912345678"))
    assert code in text and "BHXH quận Hoàn Kiếm" in text and "Nguyễn Văn An" in text


def test_a_declaration_landing_between_the_check_and_the_insert_is_refused_not_a_500(
        reception_point, monkeypatch) -> None:
    """Two confirmations of one person at the same moment: both pass the look, the partial
    unique constraint (declaration_one_in_progress) stops the second's insert — the person
    reads PORTAL_DECLARATION_IN_PROGRESS, as when the first was seen in time."""
    first = declarations.confirm_for_desk(person_form(), reception_point)
    looks = []
    real_check = declarations.check_may_declare

    def first_look_misses_it(bhxh_number: str) -> None:  # the other request not yet committed
        looks.append(bhxh_number)
        if len(looks) > 1:
            real_check(bhxh_number)

    monkeypatch.setattr(declarations, "check_may_declare", first_look_misses_it)
    with pytest.raises(OpenIvanError) as caught:
        declarations.confirm_for_desk(person_form(), reception_point)
    assert caught.value.code == "PORTAL_DECLARATION_IN_PROGRESS"
    assert references.display(first.reference) not in caught.value.message_vi
    assert Declaration.objects.count() == 1 and len(looks) == 2
