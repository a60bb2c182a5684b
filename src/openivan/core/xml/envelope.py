"""The envelope `Hoso` that carries declarations between an I-VAN provider and BHXH.

The shape real vendors' software writes (.NET XmlSerializer; domain.md section 3): no namespace,
`NoiDung` (ThongTinIVAN, ThongTinDonVi, ThongTinHoSo with its `FileToKhai`s) then the unit's
signature `CKy_Dvi`. An attached XML declaration travels base64-encoded in
`FileToKhai/NoiDungFile` and is a signed document of its own (its unit signature in a child
`Cky`); other files (PDF scans) are opaque bytes. There is no transaction id inside. A provider
registered with OpenIVAN may countersign: its `CKy_IVAN` is added after `CKy_Dvi`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mst
from openivan.core.xml.codec import XmlModel, to_bytes, xml
from openivan.core.xml.forms import IVAN_CODE_PATTERN, MST_PATTERN, PERIOD_PATTERN

UNIT_SLOT = "CKy_Dvi"  # Chữ ký của đơn vị
PROVIDER_SLOT = "CKy_IVAN"  # Chữ ký của tổ chức I-VAN (countersignature, when the agency asks)
PHONE_PATTERN = r"[0-9 .()+\-]{6,20}"
ENVELOPE_PATH = "/Hoso/NoiDung/ThongTinHoSo/ToKhais"


@dataclass
class IvanInfo(XmlModel):
    """ThongTinIVAN: the provider that forwards the envelope."""

    code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    name: str = xml("TenIVAN", max_length=200)


@dataclass(kw_only=True)
class UnitInfo(XmlModel):
    """ThongTinDonVi: the unit that declares (lax: vendors add elements of their own)."""

    LAX = True

    name: str = xml("TenDoiTuong", max_length=500)
    unit_code: str | None = xml("MaSoBHXH", pattern=r"[A-Z0-9]{1,10}", empty=True, default=None)
    unit_type: str | None = xml("LoaiDoiTuong", max_length=50, empty=True, default=None)
    tax_code: str = xml("MaSoThue", pattern=MST_PATTERN, check=parse_mst)
    signer_name: str | None = xml("NguoiKy", max_length=200, empty=True, default=None)
    phone: str | None = xml("DienThoai", pattern=PHONE_PATTERN, empty=True, default=None)
    managing_agency: str | None = xml("CoQuanQuanLy", max_length=200, empty=True, default=None)


@dataclass
class AttachedForm(XmlModel):
    """FileToKhai: one file inside the envelope, an XML declaration or an opaque file."""

    form_code: str = xml("MaToKhai", max_length=64)  # sometimes only a file extension
    description: str | None = xml("MoTaToKhai", max_length=500, empty=True)
    file_name: str = xml("TenFile", max_length=255)
    file_type: str = xml("LoaiFile", pattern=r"\.?[A-Za-z0-9]{1,10}")  # `.xml`, `xml`, `.pdf`
    length: int = xml("DoDaiFile")
    content: bytes = xml("NoiDungFile")

    @property
    def kind(self) -> str:
        """`LoaiFile` without its dot, in lower case: `xml`, `pdf`, …"""
        return self.file_type.lstrip(".").lower()

    def validate(self) -> None:
        if self.length != len(self.content):
            raise OpenIvanError("ATTACHMENT_LENGTH", file=self.file_name, declared=self.length,
                                actual=len(self.content), path="FileToKhai/DoDaiFile")


@dataclass
class DossierInfo(XmlModel):
    """ThongTinHoSo: the procedure and its files (lax: vendors add elements of their own)."""

    LAX = True

    procedure_name: str = xml("TenThuTuc", max_length=500)
    procedure_code: str = xml("MaThuTuc", max_length=32)
    period: str = xml("KyKeKhai", pattern=PERIOD_PATTERN)
    created_on: date = xml("NgayLap")
    file_count: int = xml("SoLuongFile")
    iso_process: str | None = xml("QuyTrinhISO", max_length=200, empty=True)  # often empty
    files: list[AttachedForm] = xml("ToKhais", item="FileToKhai")

    def validate(self) -> None:
        if self.file_count != len(self.files) or not self.files:
            raise OpenIvanError("XML_FIELD_INVALID", path="ThongTinHoSo/SoLuongFile",
                                reason=f"{self.file_count} declared, {len(self.files)} present")


@dataclass
class EnvelopeContent(XmlModel):
    """NoiDung."""

    ivan: IvanInfo = xml("ThongTinIVAN")
    unit: UnitInfo = xml("ThongTinDonVi")
    dossier: DossierInfo = xml("ThongTinHoSo")


@dataclass
class Envelope(XmlModel):
    """Hoso."""

    XML_TAG = "Hoso"
    SIGNATURE_SLOTS = (UNIT_SLOT,)
    OPTIONAL_SLOTS = (PROVIDER_SLOT,)

    content: EnvelopeContent = xml("NoiDung")


# Procedure codes (MaThuTuc) of the I-VAN forms, the ones the agency processes [ours: no public
# list was found]. Any other MaThuTuc is received and parked for an officer (docs/integration.md).
PROCEDURES: dict[str, tuple[str, str]] = {
    "04/ĐK-IVAN": ("DK-IVAN", "Đăng ký sử dụng dịch vụ I-VAN"),
    "05/SĐ-IVAN": ("SD-IVAN", "Thay đổi, bổ sung thông tin đăng ký sử dụng dịch vụ I-VAN"),
    "06/NG-IVAN": ("NG-IVAN", "Ngừng sử dụng dịch vụ I-VAN"),
}
FORM_BY_PROCEDURE = {code: form for form, (code, _) in PROCEDURES.items()}

# Roots of BHXH declarations other than ours seen in vendors' envelopes: accepted as attached
# declarations of a procedure the agency does not process (their `Cky` is verified).
KNOWN_FOREIGN_FORMS = frozenset({
    "D01-TS", "D02-TS", "D03-TS", "D05-TS", "TK1-TS", "TK3-TS", "M01B-HSB", "M01-HSB", "D02-LT",
})


def form_key(name: str) -> str:
    """A form's name compared loosely: `D02-TS`, `d02_ts`, `D02/TS` and `Đ02-TS` are one."""
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    kept = "".join(c for c in plain if c.isalnum())
    return kept.upper()


def xml_file(payload: bytes, *, form_code: str, description: str) -> AttachedForm:
    """A FileToKhai holding an XML declaration (signed or to be signed in its `Cky`)."""
    file_name = form_code.replace("/", "_") + ".xml"
    return AttachedForm(form_code, description, file_name, ".xml", len(payload), payload)


def other_file(content: bytes, *, file_name: str, form_code: str, description: str,
               file_type: str = ".pdf") -> AttachedForm:
    """A FileToKhai holding another file (a PDF scan): opaque bytes."""
    return AttachedForm(form_code, description, file_name, file_type, len(content), content)


def wrap_declaration(
    declaration: XmlModel, *, ivan: IvanInfo, unit: UnitInfo, created_on: date,
    others: list[AttachedForm] | None = None,
) -> Envelope:
    """Put one declaration (unsigned: `core.dossier.sign_envelope` signs it in its `Cky`, then
    the envelope) and any other files into a fresh, unsigned envelope."""
    form_code = declaration.FORM_CODE
    procedure_code, procedure_name = PROCEDURES.get(form_code, (form_code, form_code))
    files = [xml_file(to_bytes(declaration), form_code=form_code, description=procedure_name),
             *(others or [])]
    dossier = DossierInfo(procedure_name, procedure_code, created_on.strftime("%m/%Y"),
                          created_on, len(files), None, files)
    return Envelope(EnvelopeContent(ivan, unit, dossier))
