"""The agency's records: I-VAN providers, dossiers with their original bytes, answers, steps,
and the registry of units' e-transaction registrations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openivan.platform.fields import SearchKeyField


class IvanProvider(models.Model):
    """Tổ chức I-VAN: a provider registered at the agency, authenticated by an API key."""

    code = models.CharField("MaIVAN", max_length=20, unique=True)
    name = models.CharField(max_length=200)
    tax_code = models.CharField("MST", max_length=14)
    api_key_id = models.CharField(max_length=16, unique=True)
    api_key_hash = models.CharField(max_length=64)  # SHA-256 of a 32-byte random secret
    # The key before the last rotation, still accepted until `previous_key_until` so that the
    # provider's servers can move to the new one without a moment refused.
    previous_key_id = models.CharField(max_length=16, unique=True, null=True, blank=True)
    previous_key_hash = models.CharField(max_length=64, blank=True)
    previous_key_until = models.DateTimeField(null=True, blank=True)
    # SHA-256 thumbprints of the certificates it countersigns with (several while it renews);
    # empty: any certificate carrying its MST. The intake's copy of `certificates` (read on
    # every call with the provider's row); services.providers changes both in one transaction.
    certificate_thumbprints = models.JSONField(default=list, blank=True)
    # Whether its envelopes must carry its countersignature (CKy_IVAN, after the unit's
    # CKy_Dvi). Real I-VAN software sends none: off for a provider that sends the real shape.
    # When present it is verified either way.
    countersignature_required = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        """The provider as a sentence names it after "tổ chức": "I-VAN MỞ", not "I-VAN I-VAN
        MỞ" (many providers' names begin with I-VAN already)."""
        return self.name if self.name.upper().startswith("I-VAN") else f"I-VAN {self.name}"


class ProviderCertificate(models.Model):
    """Chứng thư số của tổ chức I-VAN: a certificate the provider countersigns with."""

    provider = models.ForeignKey(IvanProvider, on_delete=models.CASCADE,
                                 related_name="certificates")
    thumbprint = models.CharField(max_length=64)  # SHA-256, upper-case hex
    # Empty for the certificates registered before their details were kept (thumbprint only).
    subject = models.CharField(max_length=500, blank=True)
    serial = models.CharField(max_length=64, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["provider", "thumbprint"],
                                               name="provider_certificate_once")]

    def __str__(self) -> str:
        return f"{self.provider.code} {self.thumbprint}"


class DossierStatus(models.TextChoices):
    """Trạng thái hồ sơ; its transitions are agency.states.DOSSIER."""

    AWAITING_ACTIVATION = "awaiting_activation", _("Waiting for the code")
    # The code ran out unused: an officer may send a new one until the decision deadline.
    CODE_EXPIRED = "code_expired", _("Code ran out, a new one can be issued")
    NEEDS_REVIEW = "needs_review", _("Waiting for an officer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Code expired")


class ReviewReason(models.TextChoices):
    """Why the automatic checks hand a dossier to an officer (Lý do chuyển cán bộ xử lý)."""

    NO_UNIT_CODE = "no_unit_code", _("the unit has no BHXH unit code yet")
    # A MaThuTuc the platform does not process: received, numbered, and kept for an officer.
    UNSUPPORTED_PROCEDURE = "unsupported_procedure", _("procedure not supported yet")


# Dossiers still waiting for someone: the unit's code, or an officer.
OPEN_STATUSES = [DossierStatus.NEEDS_REVIEW, DossierStatus.AWAITING_ACTIVATION,
                 DossierStatus.CODE_EXPIRED]


class Dossier(models.Model):
    """Hồ sơ: one received declaration, its signed bytes kept byte for byte."""

    number = models.CharField("Số hồ sơ", max_length=32, unique=True)
    provider = models.ForeignKey(IvanProvider, on_delete=models.PROTECT, related_name="dossiers")
    message_id = models.CharField("MaGiaoDich", max_length=64)
    content_sha256 = models.CharField(max_length=64, unique=True)
    form_code = models.CharField(max_length=32)  # our form's code, or the MaThuTuc
    unit_tax_code = models.CharField(max_length=14, db_index=True)
    unit_code = models.CharField(max_length=10, blank=True)
    unit_name = models.CharField(max_length=500)
    unit_name_key = SearchKeyField(source="unit_name")  # what the console's search compares
    email = models.CharField(max_length=254)
    received_at = models.DateTimeField("Thời gian tiếp nhận")
    decision_deadline = models.DateTimeField()
    status = models.CharField(max_length=24, choices=DossierStatus.choices,
                              default=DossierStatus.AWAITING_ACTIVATION)
    signed_bytes = models.BinaryField()
    verification = models.JSONField()  # signers, signing times, revocation evidence refs
    # The OCSP responses, and references to the CRLs (RevocationList), that showed each
    # certificate unrevoked: services/evidence.py reads and writes it.
    revocation_evidence = models.BinaryField()
    review_reason = models.CharField(max_length=300, blank=True,  # why an officer must decide
                                     choices=ReviewReason.choices)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "message_id"],
                                               name="dossier_unique_message")]
        # The officers' open queues, most urgent first: only open dossiers are in it, so it
        # stays small however many years of decided ones the table holds.
        indexes = [models.Index(
            fields=["decision_deadline"], name="dossier_open_by_deadline",
            condition=models.Q(status__in=OPEN_STATUSES))]
        permissions = [("decide_dossier", "Can accept or reject dossiers (cán bộ xử lý)")]

    def __str__(self) -> str:
        return self.number


class RevocationList(models.Model):
    """Danh sách chứng thư số bị thu hồi (CRL): one fetched CRL, byte for byte, stored once.

    A CRL is shared by every certificate its CA issued and can be megabytes; the dossiers it
    proved refer to it by its SHA-256 instead of each holding a copy. Never changed or deleted:
    it is evidence.
    """

    sha256 = models.CharField(max_length=64, unique=True)  # lower-case hex
    der = models.BinaryField()  # as the CA served it
    url = models.CharField(max_length=500, blank=True)  # where it was fetched, its CRL number
    stored_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.url


class DossierCounter(models.Model):
    """The last sequence number given out per day (dossier numbers: agency + date + sequence)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)


class AnswerKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical answer")
    RECEPTION = "reception", _("Reception answer")
    DECISION = "decision", _("Decision answer")


class Answer(models.Model):
    """An answer to the provider, signed by the agency; the XML is what was signed."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="answers")
    kind = models.CharField(max_length=16, choices=AnswerKind.choices)
    result = models.CharField(max_length=24)
    signed_xml = models.BinaryField()
    data = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "kind"],
                                               name="answer_one_per_kind")]


class ProcessingStep(models.Model):
    """One step of a dossier's timeline: what "Tra cứu" shows."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField()
    code = models.CharField(max_length=32)
    description = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("Transacting")
    STOPPED = "stopped", _("Stopped")


class UnitRegistration(models.Model):
    """Registry: a unit's e-transactions through one provider, from `since` until `until`."""

    tax_code = models.CharField(max_length=14, db_index=True)
    unit_code = models.CharField(max_length=10, blank=True)
    name = models.CharField(max_length=500)
    name_key = SearchKeyField(source="name")  # what the registry's search compares
    email = models.CharField(max_length=254)
    provider = models.ForeignKey(IvanProvider, on_delete=models.PROTECT,
                                 related_name="registrations")
    status = models.CharField(max_length=16, choices=RegistrationStatus.choices,
                              default=RegistrationStatus.ACTIVE)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["tax_code", "provider"], condition=models.Q(status="active"),
            name="one_active_registration_per_provider")]
        # The registry's order, within a status (its filter) or across them.
        indexes = [models.Index(fields=["status", "name_key", "tax_code"],
                                name="registration_by_status_name"),
                   models.Index(fields=["name_key", "tax_code"], name="registration_by_name")]


class RegisteredCertificate(models.Model):
    """A certificate a unit registered for signing its declarations, from `since` until `until`."""

    registration = models.ForeignKey(UnitRegistration, on_delete=models.CASCADE,
                                     related_name="certificates")
    serial = models.CharField(max_length=64)
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=500)
    valid_from = models.DateField()
    valid_to = models.DateField()
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["since", "id"]


class Activation(models.Model):
    """Kích hoạt: the link token and the confirmation code (Mã xác nhận) emailed on reception."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="activation")
    token = models.CharField(max_length=64, unique=True)  # 32 random bytes, upper-case hex
    code_hash = models.CharField(max_length=64)  # HMAC-SHA256 of the code under the data key
    expires_at = models.DateTimeField()
    failed_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    reissue_asked = models.BooleanField(default=False)
