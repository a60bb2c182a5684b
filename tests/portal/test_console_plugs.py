"""The agency's officers' console reaches the portal's desk and records imports, and its audit
log names the portal's actions — the agency naming no portal (platform registries)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from openivan.platform.services import audit
from tests.portal.desk_helpers import desk_officer, signed_in

pytestmark = pytest.mark.db


@pytest.mark.django_db
def test_the_console_nav_leads_to_the_desk_and_only_to_what_the_officer_may_open():
    officer = desk_officer("tiepnhan01", "view_auditevent")
    client = signed_in(officer)
    nav = client.get("/co-quan/nhat-ky/").content.decode()
    assert '<a href="/co-quan/tiep-nhan/">Tiếp nhận hồ sơ</a>' in nav
    assert "/co-quan/du-lieu-quan-ly/" not in nav  # no import_records permission
    officer.user_permissions.add(Permission.objects.get(codename="import_records"))
    nav = client.get("/co-quan/nhat-ky/")
    assert ('<a href="/co-quan/du-lieu-quan-ly/">Dữ liệu quản lý người tham gia</a>'
            in nav.content.decode())


@pytest.mark.django_db
def test_the_audit_log_names_the_portals_actions_and_filters_by_them():
    officer = desk_officer("tiepnhan01", "view_auditevent")
    audit.record(officer, "portal.desk.accepted", "declaration:4R6R7JG49E")
    client = signed_in(officer)
    page = client.get("/co-quan/nhat-ky/").content.decode()
    assert "Tiếp nhận: chấp nhận tờ khai" in page
    assert '<option value="portal.records.imported"' in page  # offered in the filter
    only = client.get("/co-quan/nhat-ky/?action=portal.desk.accepted").content.decode()
    assert "declaration:4R6R7JG49E" in only
