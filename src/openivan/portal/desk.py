"""Pages of the reception desk (bộ phận một cửa) in the agency's console: the queue and search,
a declaration beside the agency's record, accept / reject, paper-only entry, and the records of
insured persons (CSV imports). Officers by permission: `portal.desk` for the desk,
`portal.import_records` for the records. Views parse and call portal.services.desk / records;
they write nothing themselves."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openivan.core import reference as refs
from openivan.core.errors import OpenIvanError
from openivan.core.records import COLUMNS
from openivan.core.xml import individual
from openivan.platform.paging import CappedPaginator
from openivan.portal.models import JobStatus, RecordImport
from openivan.portal.services import desk, records
from openivan.portal.states import DECLARATION

desk_required = permission_required("portal.desk", login_url="accounts:login")
records_required = permission_required("portal.import_records", login_url="accounts:login")

PAGE_SIZE = 50
IMPORT_STATES = {JobStatus.PENDING: gettext_lazy("Queued for import"),
                 JobStatus.RUNNING: gettext_lazy("Importing"),
                 JobStatus.DONE: gettext_lazy("Import finished"),
                 JobStatus.FAILED: gettext_lazy("Import failed")}
LIST_CAP = 10_000
# The paper form's fields, in the printed form's order (names as core.xml.individual reads them).
PAPER_FIELDS = ("full_name", "birth_date", "sex", "bhxh_number", "id_type", "id_number",
                "id_issued_on", "id_issued_by", "address", "mobile", "email", "agency",
                "place", "declared_on")


def _labels() -> dict[str, str]:
    return {name: individual.LABELS[individual.tag(name)] for name in PAPER_FIELDS}


# ---------------------------------------------------------------- queue and search

@desk_required
def queue(request: HttpRequest) -> HttpResponse:
    """Tiếp nhận: the declarations waiting for the desk, oldest first, per reception point;
    the search box (reference code or its QR, ID number, BHXH number, name)."""
    point = request.GET.get("diem", "").strip()[:16]
    q = request.GET.get("q", "").strip()[:100]
    found = desk.search(q, request.user) if q else None
    if found and found.kind == "reference" and len(found.declarations) == 1:
        return redirect("portal:desk-declaration", reference=found.declarations[0].reference)
    page = CappedPaginator(desk.queue(point), PAGE_SIZE, LIST_CAP).get_page(
        request.GET.get("page"))
    return render(request, "portal/desk/queue.html", {
        "page": page, "point": point, "q": q, "found": found,
        "found_error": found.error.message(request.LANGUAGE_CODE)
        if found and found.error else "",
        "counts": desk.counts(), "now": timezone.now(),
        "query": urlencode({"diem": point} if point else {})})


def _declaration_or_404(reference: str) -> Any:
    try:
        return desk.get(reference)
    except OpenIvanError:
        raise Http404(reference) from None


@desk_required
def declaration(request: HttpRequest, reference: str) -> HttpResponse:
    found = _declaration_or_404(reference)
    desk.viewed(found, request.user)
    return _declaration_render(request, found)


def _declaration_render(request: HttpRequest, found: Any, *, error: OpenIvanError | None = None,
                        error_field: str = "", typed: dict[str, Any] | None = None,
                        status: int = 200) -> HttpResponse:
    comparison = desk.compare(found)
    declared = comparison.declared
    return render(request, "portal/desk/declaration.html", {
        "declaration": found, "reference": refs.display(found.reference),
        "comparison": comparison, "declared": declared,
        "transactions": [individual.TRANSACTIONS.get(t.code, t.code)
                         for t in declared.transactions],
        "status_label": DECLARATION.labels.get(found.status, found.status),
        "decidable": desk.is_open(found), "now": timezone.now(),
        "overdue": desk.is_open(found) and found.deadline_at < timezone.now(),
        "error": error and error.message(request.LANGUAGE_CODE),
        "error_code": error and error.code, "error_field": error_field, "typed": typed or {},
        "mismatch_messages": {m.field: m.error().message(request.LANGUAGE_CODE)
                              for m in comparison.mismatches}}, status=status)


@require_POST
@desk_required
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    """Chấp nhận (the ID copy box ticked) or Không chấp nhận (reasons, one per line)."""
    found = _declaration_or_404(reference)
    accept = request.POST.get("decision") == "accept"
    reasons_text = request.POST.get("reasons", "")[:4000]
    try:
        if accept:
            desk.accept(found.reference, request.user,
                        id_copy_kept=request.POST.get("id_copy_kept") == "1")
            messages.success(request, _("Declaration %(reference)s accepted: the account is "
                                        "being issued.") % {"reference": refs.display(
                                            found.reference)})
        else:
            desk.reject(found.reference, request.user, reasons_text.splitlines(),
                        differences=request.POST.getlist("differences")[:10])
            messages.success(request, _("Declaration %(reference)s not accepted: the notice "
                                        "01/TB-GDĐT is on its way.") % {
                "reference": refs.display(found.reference)})
    except OpenIvanError as exc:
        found.refresh_from_db()
        field = "id_copy_kept" if accept else "reasons"
        typed = {"reasons": reasons_text, "differences": request.POST.getlist("differences")}
        return _declaration_render(request, found, error=exc, error_field=field, typed=typed,
                                   status=422)
    return redirect("portal:desk-declaration", reference=found.reference)


# ---------------------------------------------------------------- paper only

@desk_required
def paper(request: HttpRequest) -> HttpResponse:
    """Nhập tờ khai giấy: the officer types in a paper Mẫu số 01 brought to the desk."""
    typed: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    error = None
    status = 200
    if request.method == "POST":
        typed = {name: request.POST.get(name, "").strip()[:500] for name in PAPER_FIELDS}
        typed["transactions"] = request.POST.getlist("transactions")[:20]
        point = request.POST.get("point", "").strip()[:16]
        typed["point"] = point
        data = {k: v for k, v in typed.items() if k != "point" and v not in ("", [])}
        try:
            created = desk.enter_paper(data, point, request.user)
        except OpenIvanError as exc:
            error, status = exc, 422
            for p in exc.details.get("problems", []):
                problems.setdefault(p["field"], []).append(
                    p["message"] if request.LANGUAGE_CODE == "vi" else p["message_en"])
        else:
            messages.success(request, _("Paper declaration entered with reference code "
                                        "%(reference)s; to be decided by %(deadline)s.") % {
                "reference": refs.display(created.reference),
                "deadline": timezone.localtime(created.deadline_at).strftime("%H:%M %d/%m/%Y")})
            return redirect("portal:desk-declaration", reference=created.reference)
    fields = [{"name": name, "label": label,
               "tag": individual.tag(name), "value": typed.get(name, ""),
               "problems": problems.get(individual.tag(name), [])}
              for name, label in _labels().items()]
    return render(request, "portal/desk/paper.html", {
        "fields": fields, "points": desk.points(), "typed": typed,
        "transactions": individual.TRANSACTIONS.items(),
        "transaction_problems": problems.get("GiaoDichDeNghi", []),
        "error": error and error.message(request.LANGUAGE_CODE),
        "error_code": error and error.code,
        "point_error": error.message(request.LANGUAGE_CODE)
        if error and error.code == "DESK_RECEPTION_POINT_UNKNOWN" else ""}, status=status)


# ---------------------------------------------------------------- records of insured persons

@records_required
def imports(request: HttpRequest) -> HttpResponse:
    """Dữ liệu quản lý: the imports so far, and the upload of a CSV (run by a worker)."""
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise OpenIvanError("RECORDS_FILE_MISSING")
            limit = records.upload_limit_mb() * 1024 * 1024
            data = upload.read(limit + 1)  # no more than the limit read into memory
            created = records.queue_upload(upload.name or "records.csv", data, request.user)
        except OpenIvanError as exc:
            error = exc
        else:
            return redirect("portal:records-import", pk=created.pk)
    page = CappedPaginator(RecordImport.objects.defer("data", "problems"), PAGE_SIZE,
                           LIST_CAP).get_page(request.GET.get("page"))
    for row in page:
        row.status_label = IMPORT_STATES.get(row.status, row.status)
    return render(request, "portal/desk/imports.html", {
        "page": page, "query": "", "columns": ", ".join(COLUMNS),
        "limit_mb": records.upload_limit_mb(),
        "error": error and error.message(request.LANGUAGE_CODE),
        "error_code": error and error.code}, status=422 if error else 200)


@records_required
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its progress while it runs, then the rows refused and why."""
    found = RecordImport.objects.defer("data").filter(pk=pk).first()
    if found is None:
        raise Http404(str(pk))
    running = found.status in (JobStatus.PENDING, JobStatus.RUNNING)
    return render(request, "portal/desk/import_report.html", {
        "imp": found, "running": running, "percent": records.progress_percent(found),
        "status_label": IMPORT_STATES.get(found.status, found.status)})
