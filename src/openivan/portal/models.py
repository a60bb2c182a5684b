"""The individuals' portal (Cổng giao dịch điện tử cho cá nhân, seed 004): declarations 01/ĐK-GD,
reception points, the agency's records of insured persons, and the individuals' accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceptionPoint(models.Model):
    """Điểm tiếp nhận: a BHXH office where a declaration made without a certificate is filed."""

    code = models.CharField(max_length=16, unique=True)  # the office's code, e.g. "01001"
    name = models.CharField(max_length=300)
    address = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class InsuredRecord(models.Model):
    """Dữ liệu quản lý: the agency's record of one insured person, which declarations are
    compared with. Imported from CSV (core.records); 10 million rows, so every lookup is by an
    index: the BHXH number, the name's search key, an ID number (RecordIdNumber)."""

    bhxh_number = models.CharField("mã số BHXH", max_length=10, unique=True)
    full_name = models.CharField(max_length=100)
    name_key = models.CharField(max_length=100, db_index=True)  # core.identifiers.search_key
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField()  # old records keep only the year
    sex = models.CharField(max_length=3, blank=True)  # Nam | Nu | "" (unknown)
    id_numbers = models.CharField(max_length=200, blank=True)  # ";"-joined, as in the CSV
    updated_at = models.DateTimeField()


class RecordIdNumber(models.Model):
    """One ID number (CCCD, CMND, passport) of a record: the desk finds a person by it."""

    record = models.ForeignKey(InsuredRecord, on_delete=models.CASCADE, related_name="ids")
    number = models.CharField(max_length=12, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "number"],
                                               name="record_id_number_once")]


class RecordImport(models.Model):
    """One CSV import of records: how many rows were read, taken and refused, and why.

    An import uploaded in the desk console is a job (portal/background.py): the file waits in
    `data` (pending), a worker takes it (running, `heartbeat_at` renewed after each batch so
    that the page shows its progress and a dead worker's import is taken again), then done
    (the file dropped) or failed (`error`: the code of what stopped it)."""

    file_name = models.CharField(max_length=300)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    # The refused rows: [{line, column, code, message}], the first few thousand.
    problems = models.JSONField(default=list)
    by = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=8, default="done")  # JobStatus, through states.JOB
    data = models.BinaryField(null=True, blank=True)  # the uploaded CSV until it is imported
    rows_total = models.PositiveIntegerField(null=True, blank=True)  # lines, for the progress
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)  # changed; same rows count as neither
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"], name="record_import_due")]
        permissions = [("import_records", "Can import the records of insured persons")]


class Filing(models.TextChoices):
    """Hình thức nộp: how the declaration reaches the agency."""

    CERTIFICATE = "ChungThuSo", _("Signed with a certificate")
    DESK = "TaiCoQuanBHXH", _("At a BHXH reception point")
    PAPER = "GiayTo", _("On paper at the desk")


class DeclarationStatus(models.TextChoices):
    """received (signed, or typed from paper) → accepted | rejected;
    awaiting_desk (confirmed online, to be filed at a reception point within 10 days)
    → accepted | rejected | cancelled."""

    RECEIVED = "received", _("Received")
    AWAITING_DESK = "awaiting_desk", _("Awaiting filing at the desk")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not accepted")
    CANCELLED = "cancelled", _("Cancelled")


class Declaration(models.Model):
    """Tờ khai đăng ký giao dịch điện tử của cá nhân (01/ĐK-GD). The XML is kept byte for byte
    as received (signed) or as built from the form (desk, paper)."""

    reference = models.CharField(max_length=10, unique=True)  # Mã tham chiếu, core.reference
    filing = models.CharField(max_length=16, choices=Filing.choices)
    status = models.CharField(max_length=16, choices=DeclarationStatus.choices)
    document = models.BinaryField()  # the 01/ĐK-GD XML, never re-serialised
    # What the form says, read once (core.xml.individual): the pages and the desk show it.
    fields = models.JSONField(default=dict)
    bhxh_number = models.CharField(max_length=10, db_index=True)
    full_name = models.CharField(max_length=100)
    name_key = models.CharField(max_length=100, db_index=True)
    id_number = models.CharField(max_length=12, db_index=True)
    phone = models.CharField(max_length=15)  # 84… as core.identifiers.parse_mobile gives it
    email = models.EmailField(blank=True)
    reception_point = models.ForeignKey(ReceptionPoint, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="declarations")
    received_at = models.DateTimeField()  # signed: reception; desk: confirmation; paper: typed
    deadline_at = models.DateTimeField()  # 15 min, 10 days (to file), 3 working days (paper)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    # The answer's notices handed to SMTP and to the SMSC: the 15-minute deadline is measured
    # to the later of the two (each set by the portal when notify reports it sent).
    answer_queued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # [{code, element, message}] — the reasons of a refusal (core.portal_notice.ReasonItem).
    reasons = models.JSONField(default=list)
    notice = models.BinaryField(null=True, blank=True)  # 01/TB-GDĐT, signed by the agency
    id_copy_kept = models.BooleanField(default=False)  # the desk kept a copy of the ID shown
    reminded_at = models.DateTimeField(null=True, blank=True)  # day-7 reminder sent
    account = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="declarations")
    # The printable Mẫu số 01 of a declaration filed at the desk: rendered once (WeasyPrint
    # takes 1-2 s), on its first download, and kept.
    form_pdf = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline_at"], name="declaration_due"),
                   models.Index(fields=["reception_point", "status"],
                                name="declaration_by_point"),
                   # The 15 minutes: the few still unanswered (the monitor, the sweep that
                   # records answer times) and the answer times of the last hour, found
                   # without reading millions of answered rows.
                   models.Index(fields=["received_at"], name="declaration_unanswered",
                                condition=models.Q(answered_at__isnull=True)),
                   models.Index(fields=["answered_at"], name="declaration_answered")]
        # One declaration being decided per person: two submissions at the same moment (two
        # tabs, a double click, two web processes) cannot both pass the intake's look-up, the
        # second insert fails and the intake answers PORTAL_DECLARATION_IN_PROGRESS.
        constraints = [models.UniqueConstraint(
            fields=["bhxh_number"], name="declaration_one_in_progress",
            condition=models.Q(status__in=["received", "awaiting_desk"]))]
        permissions = [("desk", "Can work at the reception desk (cán bộ tiếp nhận)")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class JobKind(models.TextChoices):
    PROCESS = "process", _("Automatic processing")
    ANSWER = "answer", _("Answer")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DeclarationJob(models.Model):
    """Việc chạy nền của tờ khai: written in the same database transaction as the declaration
    it works on, run by the worker (platform.jobs); one of each kind per declaration."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=8, choices=JobKind.choices)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="portal_job_due")]
        constraints = [models.UniqueConstraint(fields=["declaration", "kind"],
                                               name="portal_one_job_of_each_kind")]


class Person(models.Model):
    """Tài khoản giao dịch điện tử của cá nhân: the individual behind a Django user whose user
    name is the mã số BHXH. The password policy, lockout and second factor are the accounts
    app's; this row holds what only a person has."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="person")
    bhxh_number = models.CharField(max_length=10, unique=True)
    id_number = models.CharField(max_length=12, db_index=True)
    phone = models.CharField(max_length=15)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField()


class ResetCode(models.Model):
    """Mã khôi phục mật khẩu sent by SMS ("quên mật khẩu"): kept as a keyed digest, single use,
    short-lived, a few tries."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reset_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "created_at"], name="reset_code_by_person")]


class RemoteSigning(models.Model):
    """Ký từ xa: a person's 01/ĐK-GD waiting to be signed by their remote signing service
    (CSC), which may wait minutes for the holder's approval on a phone — so a job
    (platform.jobs), not a request. The password is sealed (platform.sealing) while the job
    may still need it and wiped when it is done or failed. `token` is the page's secret
    address: only the browser that asked knows it."""

    token = models.CharField(max_length=43, unique=True)
    document = models.BinaryField()  # the unsigned 01/ĐK-GD, built from the confirmed form
    bhxh_number = models.CharField(max_length=10)
    service_url = models.CharField(max_length=500)
    account = models.CharField(max_length=200)
    sealed_password = models.BinaryField(default=b"")  # wiped once done or failed
    credential = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    # The last failure: its stable code and message (vi, en), shown on the page.
    error_code = models.CharField(max_length=64, blank=True)
    error = models.JSONField(default=dict)
    declaration = models.OneToOneField(Declaration, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="remote_signing")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                name="portal_remote_signing_due")]
