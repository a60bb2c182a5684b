"""The individuals' pages through Django's test client: each problem beside its field, the
confirmation, the desk path's reference code and PDF (only to the session that made it), the
status lookup."""

from __future__ import annotations

import pytest
from django.test import Client

from openivan.core import reference as references
from openivan.portal.models import Declaration
from openivan.portal.services import declarations
from tests.portal.conftest import person_form

pytestmark = pytest.mark.django_db


def test_each_problem_is_beside_its_field_and_linked_from_the_summary(client) -> None:
    page = client.post("/ca-nhan/dang-ky/", person_form(id_number="0010900", mobile="0212345678",
                                                         full_name=""))
    assert page.status_code == 422
    html = page.content.decode()
    assert 'href="#id_full_name"' in html and 'href="#id_id_number"' in html
    assert 'href="#id_mobile"' in html
    assert 'id="id_id_number-error"' in html and "CCCD_FORMAT" in html
    assert "PHONE_NETWORK" in html and "FIELD_REQUIRED" in html


def test_a_desk_declaration_gets_its_code_and_pdf_only_in_its_session(client,
                                                                      reception_point) -> None:
    assert client.post("/ca-nhan/dang-ky/", person_form()).status_code == 302
    confirm = client.get("/ca-nhan/dang-ky/xac-nhan/")
    assert "Nguyễn Văn An" in confirm.content.decode()
    done = client.post("/ca-nhan/dang-ky/xac-nhan/", {"filing": "TaiCoQuanBHXH",
                                                      "reception_point": "01001"})
    made = Declaration.objects.get()
    assert done["Location"] == f"/ca-nhan/to-khai/{made.reference}/"
    page = client.get(done["Location"]).content.decode()
    assert references.display(made.reference) in page
    pdf = client.get(f"/ca-nhan/to-khai/{made.reference}/mau-01.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.cookies.clear()  # another browser: the status only
    assert client.get(f"/ca-nhan/to-khai/{made.reference}/mau-01.pdf").status_code == 404
    status = client.get(f"/ca-nhan/to-khai/{made.reference}/")
    assert status["Location"] == f"/ca-nhan/tra-cuu/{made.reference}/"


def test_filing_at_the_desk_needs_a_reception_point(client, reception_point) -> None:
    client.post("/ca-nhan/dang-ky/", person_form())
    page = client.post("/ca-nhan/dang-ky/xac-nhan/", {"filing": "TaiCoQuanBHXH"})
    html = page.content.decode()
    assert page.status_code == 422 and "PORTAL_RECEPTION_POINT_UNKNOWN" in html
    assert 'href="#reception-point"' in html and 'id="reception-point-error"' in html
    assert not Declaration.objects.exists()


def test_the_lookup_says_unknown_and_malformed_codes(client) -> None:
    body = "ACDEFGHJK"
    unknown = client.get("/ca-nhan/tra-cuu/", {"ma": body + references.check_character(body)})
    assert unknown.status_code == 404 and "PORTAL_DECLARATION_NOT_FOUND" in unknown.content.decode()
    typo = client.get("/ca-nhan/tra-cuu/", {"ma": "KM4TX"})
    assert typo.status_code == 422 and "REFERENCE_FORMAT" in typo.content.decode()


def test_the_form_is_in_vietnamese_by_default_and_english_when_asked(client, settings) -> None:
    vietnamese = client.get("/ca-nhan/dang-ky/").content.decode()
    assert "Đăng ký giao dịch điện tử (01/ĐK-GD)" in vietnamese and "Họ và tên" in vietnamese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/ca-nhan/dang-ky/")
    assert "Registration for e-transactions (01/ĐK-GD)" in english.content.decode()
    problems = client.post("/ca-nhan/dang-ky/", person_form(mobile="0212345678"))
    assert "Prefix 021 belongs to no Vietnamese mobile network. (PHONE_NETWORK)" in (
        problems.content.decode())


def test_a_client_guessing_codes_is_held_back(client, reception_point) -> None:
    for n in range(20):
        body = "ACDEFGHJ" + "ACDEFGHJKMNPRTVWXY34679"[n]
        assert client.get("/ca-nhan/tra-cuu/", {
            "ma": body + references.check_character(body)}).status_code == 404
    held = client.get("/ca-nhan/tra-cuu/", {"ma": "ACDEFGHJK" + references.check_character(
        "ACDEFGHJK")})
    assert held.status_code == 429 and "PORTAL_LOOKUP_THROTTLED" in held.content.decode()


def test_guessing_through_the_status_box_or_the_api_is_held_back_too(client,
                                                                     reception_point) -> None:
    made = declarations.confirm_for_desk(person_form(), reception_point)
    guesses = ["ACDEFGHJ" + c for c in "ACDEFGHJKMNPRTVWXY34679"[:20]]
    for n, body in enumerate(guesses):
        code = body + references.check_character(body)
        where = (f"/ca-nhan/tra-cuu/{code}/trang-thai/" if n % 2
                 else f"/api/v1/portal/declarations/{code}")
        assert client.get(where).status_code == 404
    # Held back everywhere, even for a code that exists.
    api = client.get(f"/api/v1/portal/declarations/{made.reference}")
    assert api.status_code == 429 and api.json()["code"] == "PORTAL_LOOKUP_THROTTLED"
    assert client.get(f"/ca-nhan/tra-cuu/{made.reference}/trang-thai/").status_code == 404
    assert client.get(f"/ca-nhan/tra-cuu/{made.reference}/").status_code == 429


def test_a_status_page_opened_before_the_address_was_held_back_keeps_refreshing(
        client, reception_point) -> None:
    # Behind a carrier's NAT, others' guesses hold the shared address back: a person's own
    # page, opened before, must not freeze.
    made = declarations.confirm_for_desk(person_form(), reception_point)
    assert client.get(f"/ca-nhan/tra-cuu/{made.reference}/").status_code == 200
    stranger = Client()
    for body in ["ACDEFGHJ" + c for c in "ACDEFGHJKMNPRTVWXY34679"[:20]]:
        stranger.get(f"/ca-nhan/tra-cuu/{body + references.check_character(body)}/")
    assert stranger.get(f"/ca-nhan/tra-cuu/{made.reference}/trang-thai/").status_code == 404
    assert client.get(f"/ca-nhan/tra-cuu/{made.reference}/trang-thai/").status_code == 200


def test_a_second_declaration_is_refused_beside_the_bhxh_number(client, reception_point) -> None:
    from openivan.portal.services import declarations

    first = declarations.confirm_for_desk(person_form(), reception_point)
    page = client.post("/ca-nhan/dang-ky/", person_form())
    html = page.content.decode()
    assert page.status_code == 422 and 'id="id_bhxh_number-error"' in html
    assert "PORTAL_DECLARATION_IN_PROGRESS" in html
    assert references.display(first.reference) not in html  # the only key to its status page


def test_cancelled_and_used_codes_are_said_on_the_status_page(client, reception_point) -> None:
    from openivan.portal.services import declarations

    made = declarations.confirm_for_desk(person_form(), reception_point)
    Declaration.objects.filter(pk=made.pk).update(status="cancelled")
    page = client.get(f"/ca-nhan/tra-cuu/{made.reference}/").content.decode()
    assert "PORTAL_REFERENCE_CANCELLED" in page and "Đã hủy" in page
    Declaration.objects.filter(pk=made.pk).update(status="accepted")
    page = client.get(f"/ca-nhan/tra-cuu/{made.reference}/").content.decode()
    assert "PORTAL_REFERENCE_USED" in page


def test_the_front_page_leads_to_the_individuals_pages(client) -> None:
    home = client.get("/").content.decode()
    assert 'href="/ca-nhan/dang-ky/"' in home and "Cá nhân: đăng ký giao dịch điện tử" in home
    assert 'href="/ca-nhan/tra-cuu/"' in home


def test_a_second_click_on_confirm_files_one_declaration(client, reception_point) -> None:
    client.post("/ca-nhan/dang-ky/", person_form())
    chosen = {"filing": "TaiCoQuanBHXH", "reception_point": "01001"}
    first = client.post("/ca-nhan/dang-ky/xac-nhan/", chosen)
    again = client.post("/ca-nhan/dang-ky/xac-nhan/", chosen)
    assert first["Location"] == again["Location"]
    assert Declaration.objects.count() == 1


def test_the_status_page_names_a_refusals_fields_but_never_what_was_declared(
        client, reception_point) -> None:
    made = declarations.confirm_for_desk(person_form(), reception_point)
    Declaration.objects.filter(pk=made.pk).update(status="rejected", reasons=[
        {"code": "RECORD_NAME_MISMATCH", "element": "HoTen",
         "message": "Họ tên \u201cNGUYỄN VĂN ÂN\u201d không khớp với dữ liệu quản lý."},
        {"code": "CERT_PERSON_MISMATCH", "element": "",
         "message": "Chứng thư số cấp cho CCCD 001090000009, không phải 001090000001."}])
    html = client.get(f"/ca-nhan/tra-cuu/{made.reference}/").content.decode()
    assert "Họ và tên: không khớp với dữ liệu quản lý của cơ quan BHXH (RECORD_NAME_MISMATCH)" \
        in html
    assert "chứng thư số không dùng được cho tờ khai này (CERT_PERSON_MISMATCH)" in html
    for declared in ("NGUYỄN VĂN ÂN", "001090000009", "001090000001"):
        assert declared not in html


def test_one_address_filing_desk_declarations_past_the_limit_is_held_back(
        client, reception_point, settings) -> None:
    # Each desk declaration sends an SMS and holds the person's number for 10 days.
    settings.OPENIVAN_PORTAL_RATE_LIMIT_PER_MINUTE = 0
    assert client.post("/ca-nhan/dang-ky/", person_form()).status_code == 302
    page = client.post("/ca-nhan/dang-ky/xac-nhan/", {"filing": "TaiCoQuanBHXH",
                                                      "reception_point": "01001"})
    assert page.status_code == 422 and "RATE_LIMITED" in page.content.decode()
    assert not Declaration.objects.exists()
