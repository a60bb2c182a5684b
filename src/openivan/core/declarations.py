"""A unit's declarations to the agency built from its profile (Thông tin đơn vị): what the
provider's "Đăng ký IVAN", "Điều chỉnh IVAN", "Ngưng IVAN" and "Ngưng IVAN khác" screens send.

Each builder first checks what the form needs and names every missing field at once
(`DECLARATION_INCOMPLETE`, the fields in `details["fields"]` for the page to mark each one),
then returns the unsigned form; `envelope` puts it in the `Hoso` the unit signs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from openivan.core.errors import OpenIvanError
from openivan.core.pki.facts import CertificateFacts
from openivan.core.xml import codec, envelope, forms

PROCEDURES_ALL = "Tất cả thủ tục hành chính BHXH, BHYT, BHTN"


@dataclass
class UnitProfile:
    """Thông tin đơn vị, as the unit keeps it with its provider."""

    tax_code: str  # Mã số thuế
    name: str  # Tên đơn vị
    address: str = ""  # Địa chỉ
    email: str = ""  # Email nhận thông báo
    phone: str = ""  # Điện thoại
    province: str = ""  # Tỉnh/thành phố (the form's place, DiaDanh)
    managing_agency: str = ""  # Cơ quan BHXH quản lý
    contact_person: str = ""  # Người liên hệ
    unit_code: str | None = None  # Mã đơn vị, once the agency has given one
    unit_type: str = ""  # Loại hình
    legal_representative: str = ""  # Người đại diện
    representative_title: str = ""  # Chức vụ
    licence_number: str = ""  # Số giấy phép (a unit without a unit code)
    licence_issuer: str = ""  # Nơi cấp giấy phép


# field -> (Vietnamese label, English label): the names a person reads on the page.
LABELS: dict[str, tuple[str, str]] = {
    "tax_code": ("Mã số thuế", "Tax code"), "name": ("Tên đơn vị", "Unit name"),
    "address": ("Địa chỉ", "Address"), "email": ("Email", "Email"),
    "phone": ("Điện thoại", "Phone"), "province": ("Tỉnh/thành phố", "Province"),
    "managing_agency": ("Cơ quan BHXH quản lý", "Managing agency"),
    "contact_person": ("Người liên hệ", "Contact person"),
    "licence_number": ("Số giấy phép", "Licence number"),
    "licence_issuer": ("Nơi cấp giấy phép", "Licence issuer"),
    "certificate": ("Chứng thư số", "Certificate"),
    "stop_on": ("Ngày ngừng", "Stop date"), "reason": ("Lý do", "Reason"),
    "other_provider": ("Tổ chức I-VAN khác", "Other I-VAN provider"),
}
_UNIT = ("tax_code", "name", "address", "email", "phone", "province")
_REGISTRATION = (*_UNIT, "managing_agency", "contact_person")
_NEW_UNIT = ("licence_number", "licence_issuer")  # no unit code yet: its licence instead


def certificate_info(found: CertificateFacts) -> forms.CertificateInfo:
    """ChungThuSo: the block a declaration names a certificate by."""
    return forms.CertificateInfo(
        serial=found.serial, issuer=_issuer_name(found.issuer), subject=found.common_name,
        valid_from=found.not_before.date(), valid_to=found.not_after.date())


def registration(profile: UnitProfile, certificate: CertificateFacts | None,
                 provider: envelope.IvanInfo, today: date) -> forms.IvanRegistration:
    """04/ĐK-IVAN: Đăng ký IVAN."""
    needed = _REGISTRATION + (() if profile.unit_code else _NEW_UNIT)
    _require(profile, needed, certificate=certificate)
    assert certificate is not None
    return forms.IvanRegistration(
        header=_header(profile, today), procedures=PROCEDURES_ALL, ivan_name=provider.name,
        ivan_code=provider.code, certificate=certificate_info(certificate),
        province=profile.province, managing_agency=profile.managing_agency,
        unit_type=profile.unit_type or None,
        legal_representative=profile.legal_representative or None,
        representative_title=profile.representative_title or None,
        contact_person=profile.contact_person, mobile=_digits(profile.phone) or None,
        result_delivery="TaiCoQuan",
        licence_number=None if profile.unit_code else profile.licence_number,
        licence_issuer=None if profile.unit_code else profile.licence_issuer)


def change(profile: UnitProfile, registered: forms.RegisteredDetails,
           certificate: CertificateFacts | None, provider: envelope.IvanInfo, today: date,
           *, email: str | None = None, contact_person: str | None = None,
           phone: str | None = None, reason: str = "") -> forms.IvanChange:
    """05/SĐ-IVAN: Điều chỉnh IVAN — "Thông tin chữ ký số đã đăng ký" (what the agency has)
    beside "Thông tin chữ ký số dùng để giao dịch" (the new certificate and contact)."""
    _require(profile, _UNIT, certificate=certificate)
    assert certificate is not None
    new = forms.RegisteredDetails(
        certificate_info(certificate), email or profile.email,
        contact_person or profile.contact_person or None, phone or profile.phone or None)
    return forms.IvanChange(_header(profile, today), provider.name, provider.code, registered,
                            new, reason=reason or None)


def stop(profile: UnitProfile, provider: envelope.IvanInfo, today: date, *,
         stop_on: date | None, reason: str, other_provider: bool = False) -> forms.IvanStop:
    """06/NG-IVAN: Ngưng IVAN, or "Ngưng IVAN khác" (`provider` is then the other one, chosen
    from the agency's list, whose service the unit stops)."""
    _require(profile, _UNIT, stop_on=stop_on, reason=reason.strip())
    assert stop_on is not None
    if stop_on < today:
        raise OpenIvanError("STOP_DATE_PAST", stop_on=stop_on.strftime("%d/%m/%Y"),
                            today=today.strftime("%d/%m/%Y"), fields=["stop_on"])
    return forms.IvanStop(_header(profile, today), provider.name, provider.code, stop_on,
                          reason.strip(), other_provider)


def envelope_for(declaration: codec.XmlModel, profile: UnitProfile,
                 provider: envelope.IvanInfo, today: date,
                 others: list[envelope.AttachedForm] | None = None) -> envelope.Envelope:
    """The unsigned `Hoso` around a declaration (`core.dossier.sign_envelope` signs it)."""
    unit = envelope.UnitInfo(
        name=profile.name, unit_code=profile.unit_code, unit_type=profile.unit_type or None,
        tax_code=profile.tax_code, signer_name=profile.legal_representative or
        profile.contact_person or None, phone=_digits(profile.phone) or None,
        managing_agency=profile.managing_agency or None)
    return envelope.wrap_declaration(declaration, ivan=provider, unit=unit, created_on=today,
                                     others=others)


def _header(profile: UnitProfile, today: date) -> forms.FormHeader:
    return forms.FormHeader(
        place=profile.province, declared_on=today, unit_name=profile.name,
        unit_code=profile.unit_code, tax_code=profile.tax_code, address=profile.address,
        email=profile.email, phone=profile.phone)


def _require(profile: UnitProfile, names: tuple[str, ...], **others: object) -> None:
    values = {f.name: getattr(profile, f.name) for f in fields(profile)}
    missing = [n for n in names if not str(values.get(n) or "").strip()]
    missing += [n for n, value in others.items() if value in (None, "")]
    if missing:
        raise OpenIvanError(
            "DECLARATION_INCOMPLETE", fields=missing,
            labels_vi=", ".join(LABELS[n][0] for n in missing),
            labels_en=", ".join(LABELS[n][1] for n in missing))


def _issuer_name(issuer_dn: str) -> str:
    """The CA's common name out of its RFC 4514 name, as vendors print ToChucCap."""
    for part in issuer_dn.split(","):
        key, _, value = part.partition("=")
        if key.strip().upper() == "CN":
            return value.strip()
    return issuer_dn


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit() or c == "+")
