"""What a visitor or a provider's client gets when something goes wrong: a page in their
language with the error's stable code (JSON under /api/), never Django's English default,
and 503 with Retry-After while the database is down — after which nothing is lost."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.outage import database_down

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unknown_page_says_so_in_the_visitors_language():
    page = Client().get("/khong-co-trang-nay/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "Không tìm thấy trang" in html and 'data-code="PAGE_NOT_FOUND"' in html
    assert "/khong-co-trang-nay/" in html
    english = Client(headers={"cookie": "django_language=en"}).get("/khong-co-trang-nay/")
    assert "There is no such page" in english.content.decode()


def test_an_unknown_api_address_answers_json_with_a_code():
    response = Client().get("/api/v1/ho-so-khong-co")
    assert response.status_code == 404
    assert response.json()["code"] == "API_NOT_FOUND"
    assert "/api/v1/ho-so-khong-co" in response.json()["message"]


def test_a_form_sent_without_its_token_gets_a_page_that_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post(
        "/tai-khoan/dang-nhap/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-code="FORM_EXPIRED"' in html and "Hãy tải lại trang rồi gửi lại" in html


@pytest.mark.urls("tests.platform.faulty_urls")
def test_a_fault_gets_a_page_that_shows_no_detail_of_it():
    client = Client(raise_request_exception=False)
    page = client.get("/loi/")
    assert page.status_code == 500
    html = page.content.decode()
    assert 'data-code="INTERNAL_ERROR"' in html and "không có gì bị ghi dở" in html
    assert "4111" not in html and "RuntimeError" not in html
    api = client.get("/api/v1/loi")
    assert api.status_code == 500 and api.json()["code"] == "INTERNAL_ERROR"
    assert "4111" not in api.content.decode()


@pytest.mark.urls("tests.platform.faulty_urls")
def test_pages_answer_503_with_retry_after_while_the_database_is_down():
    client = Client(raise_request_exception=False)
    with database_down():
        page = client.get("/doc-csdl/")
        health = client.get("/api/v1/health")  # what a load balancer asks
    assert health.status_code == 503 and health.json()["code"] == "DATABASE_UNAVAILABLE"
    assert page.status_code == 503 and page["Retry-After"] == "60"
    html = page.content.decode()
    assert 'data-code="DATABASE_UNAVAILABLE"' in html and "không có gì được lưu" in html
    assert client.get("/doc-csdl/").status_code == 200  # back by itself


def test_a_signed_in_officer_gets_the_same_503_page_while_the_database_is_down():
    officer = Client(raise_request_exception=False)
    officer.force_login(User.objects.create_user("canbo01", password="x"))
    with database_down():  # the session, the user and the page all need it
        page = officer.get("/co-quan/ho-so/")
    assert page.status_code == 503
    assert 'data-code="DATABASE_UNAVAILABLE"' in page.content.decode()


def test_a_method_an_api_address_does_not_take_answers_json_with_a_code():
    response = Client().get("/api/v1/dossiers")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["code"] == "API_METHOD_NOT_ALLOWED"
    assert response.json()["details"] == {"path": "/api/v1/dossiers", "method": "GET",
                                          "allowed": "POST"}
    assert "phương thức GET" in response.json()["message"]
