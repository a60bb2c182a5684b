"""The I-VAN provider's records for its units: the unit's profile (Thông tin đơn vị), who may
act for it, its certificates (Chứng thư số) and its transactions with the agency (Lịch sử GD)
with the bytes sent and the agency's signed answers as received."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """Đơn vị: an employer served by the provider, named by its tax code (MST)."""

    tax_code = models.CharField("MST", max_length=14, unique=True)
    name = models.CharField(max_length=500)
    unit_code = models.CharField(max_length=10, blank=True)  # Mã đơn vị, once the agency gave one
    address = models.CharField(max_length=500, blank=True)
    unit_type = models.CharField(max_length=100, blank=True)  # Loại hình
    managing_agency = models.CharField(max_length=200, blank=True)  # Cơ quan BHXH quản lý
    province = models.CharField(max_length=100, blank=True)
    legal_representative = models.CharField(max_length=200, blank=True)  # Người đại diện
    representative_title = models.CharField(max_length=100, blank=True)
    contact_person = models.CharField(max_length=200, blank=True)  # Người liên hệ
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    licence_number = models.CharField(max_length=50, blank=True)
    licence_issuer = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "tax_code"]

    def __str__(self) -> str:
        return f"{self.tax_code} {self.name}"


class Membership(models.Model):
    """Who may act for a unit: its own account, or an accounting firm's staff it was given to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="unit_memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_once")]


class CertificateSource(models.TextChoices):
    HSM = "hsm", _("HSM")
    TOKEN = "token", _("USB Token")
    FILE = "file", _("Certificate file")  # PKCS#12: the demo and tests


class CertificateStatus(models.TextChoices):
    """pending → in_use (the agency accepted a 04 or 05 naming it) → replaced (another is
    in use); "expired" is not stored: it is the date."""

    PENDING = "pending", _("Waiting for activation")
    IN_USE = "in_use", _("In use")
    REPLACED = "replaced", _("Replaced")


class UnitCertificate(models.Model):
    """Chứng thư số: a certificate a unit signs with, and how to reach its key."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="certificates")
    source = models.CharField(max_length=8, choices=CertificateSource.choices)
    status = models.CharField(max_length=10, choices=CertificateStatus.choices,
                              default=CertificateStatus.PENDING)
    der = models.BinaryField()
    thumbprint = models.CharField(max_length=64)  # SHA-256, upper-case hex
    serial = models.CharField(max_length=64)
    subject = models.CharField(max_length=500)
    issuer = models.CharField(max_length=500)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    # HSM: the remote signing service (CSC), its account and the credential; the password
    # sealed at rest (platform sealing).
    hsm_url = models.URLField(max_length=500, blank=True)
    hsm_account = models.CharField(max_length=200, blank=True)
    hsm_sealed_password = models.BinaryField(default=b"")
    hsm_credential = models.CharField(max_length=200, blank=True)
    token_label = models.CharField(max_length=100, blank=True)  # USB token, as the agent named it
    # A PKCS#12 file (the demo and tests): the file and its password, sealed at rest.
    sealed_key_file = models.BinaryField(default=b"")
    # The last expiry warning sent (30, then 7 days ahead): one email per threshold.
    warned_days = models.PositiveSmallIntegerField(null=True, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["-not_after", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "thumbprint"],
                                               name="unit_certificate_once")]

    def __str__(self) -> str:
        return f"{self.unit.tax_code} {self.serial}"


class TransactionKind(models.TextChoices):
    REGISTER = "register", _("Register for I-VAN (04/ĐK-IVAN)")
    CHANGE = "change", _("Change I-VAN details (05/SĐ-IVAN)")
    STOP = "stop", _("Stop I-VAN (06/NG-IVAN)")
    STOP_OTHER = "stop_other", _("Stop another I-VAN (06/NG-IVAN)")


class TransactionStatus(models.TextChoices):
    """The lifecycle is in `provider.states`."""

    DRAFT = "draft", _("Saved")
    SIGNING = "signing", _("Signing")
    SIGNED = "signed", _("Signed")
    SENDING = "sending", _("Sending")
    RECEIVED = "received", _("Received by the agency")
    ACCEPTED = "accepted", _("Accepted (Successful)")
    REJECTED = "rejected", _("Rejected")
    SEND_FAILED = "send_failed", _("Sending failed")


class Transaction(models.Model):
    """Giao dịch: one register / change / stop of a unit, from its draft to the agency's
    decision. `signed_xml` is what was sent, byte for byte; sent again only as it is."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(max_length=12, choices=TransactionKind.choices)
    status = models.CharField(max_length=12, choices=TransactionStatus.choices,
                              default=TransactionStatus.DRAFT)
    # Raised by every change of the draft: a second tab saving an older copy is refused.
    version = models.PositiveIntegerField(default=1)
    form = models.JSONField(default=dict)  # the screen's fields, as the unit typed them
    certificate = models.ForeignKey(UnitCertificate, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="transactions")
    unsigned_xml = models.BinaryField(default=b"")  # what the signer was given
    signed_xml = models.BinaryField(default=b"")  # what is sent
    idempotency_key = models.CharField(max_length=64, unique=True)  # MaGiaoDich at the agency
    agency_number = models.CharField(max_length=64, blank=True)  # Số hồ sơ
    received_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "-created_at"], name="transaction_by_unit"),
                   models.Index(fields=["status", "updated_at"], name="transaction_by_status")]

    def __str__(self) -> str:
        return f"{self.unit.tax_code} {self.kind} {self.status}"


class TransactionAnswer(models.Model):
    """One of the agency's signed answers to a transaction, checked and kept as received."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE,
                                    related_name="answers")
    kind = models.CharField(max_length=16)  # technical, reception, decision
    result = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    signed_xml = models.BinaryField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["transaction", "kind"],
                                               name="transaction_answer_once")]


class JobKind(models.TextChoices):
    SIGN = "sign", _("Signing with the HSM")
    SEND = "send", _("Sending to the agency")


class JobStatus(models.TextChoices):
    """The lifecycle is `provider.states.JOB` (the stages of platform.jobs)."""

    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TransactionJob(models.Model):
    """Việc chạy nền của giao dịch: an HSM's signing or a sending to the agency, written in the
    same database transaction as the change it follows and run by the worker (platform.jobs);
    one of each kind per transaction."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=4, choices=JobKind.choices)
    status = models.CharField(max_length=8, choices=JobStatus.choices,
                              default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="job_due")]
        constraints = [models.UniqueConstraint(fields=["transaction", "kind"],
                                               name="one_job_of_each_kind")]
