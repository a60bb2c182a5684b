"""The envelope `Hoso` that carries declarations between an I-VAN provider and BHXH.

The declaration travels base64-encoded in `FileToKhai/NoiDungFile`; the unit signs the whole
envelope in `CKy_Dvi`, then the provider countersigns it in `CKy_IVAN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mst
from openivan.core.xml.codec import XmlModel, to_bytes, xml
from openivan.core.xml.forms import IVAN_CODE_PATTERN, MST_PATTERN, PERIOD_PATTERN

UNIT_SLOT = "CKy_Dvi"  # Chữ ký của đơn vị
PROVIDER_SLOT = "CKy_IVAN"  # Chữ ký của tổ chức I-VAN (countersignature)


@dataclass
class IvanInfo(XmlModel):
    """ThongTinIVAN: the provider that forwards the envelope."""

    code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    name: str = xml("TenIVAN", max_length=200)


@dataclass
class UnitInfo(XmlModel):
    """ThongTinDonVi: the unit that declares."""

    name: str = xml("TenDoiTuong", max_length=500)
    tax_code: str = xml("MaSoThue", pattern=MST_PATTERN, check=parse_mst)
    signer_name: str = xml("NguoiKy", max_length=200)
    phone: str = xml("DienThoai", pattern=r"\+?[0-9 .]{8,15}")
    unit_code: str | None = xml("MaSoBHXH", pattern=r"[A-Z0-9]{1,10}", default=None)
    unit_type: str | None = xml("LoaiDoiTuong", default=None)
    managing_agency: str | None = xml("CoQuanQuanLy", default=None)


@dataclass
class AttachedForm(XmlModel):
    """FileToKhai: one declaration file inside the envelope."""

    form_code: str = xml("MaToKhai", max_length=32)
    description: str = xml("MoTaToKhai", max_length=500)
    file_name: str = xml("TenFile", max_length=200)
    file_type: str = xml("LoaiFile", choices=("xml", "pdf"))
    length: int = xml("DoDaiFile")
    content: bytes = xml("NoiDungFile")

    def validate(self) -> None:
        if self.length != len(self.content):
            raise OpenIvanError("XML_FIELD_INVALID", path="FileToKhai/DoDaiFile",
                                reason=f"{self.length} declared, {len(self.content)} present")


@dataclass
class DossierInfo(XmlModel):
    """ThongTinHoSo: the procedure and its files."""

    procedure_name: str = xml("TenThuTuc", max_length=500)
    procedure_code: str = xml("MaThuTuc", max_length=32)
    period: str = xml("KyKeKhai", pattern=PERIOD_PATTERN)
    created_on: date = xml("NgayLap")
    file_count: int = xml("SoLuongFile")
    files: list[AttachedForm] = xml("ToKhais", item="FileToKhai")

    def validate(self) -> None:
        if self.file_count != len(self.files) or not self.files:
            raise OpenIvanError("XML_FIELD_INVALID", path="ThongTinHoSo/SoLuongFile",
                                reason=f"{self.file_count} declared, {len(self.files)} present")


@dataclass
class EnvelopeContent(XmlModel):
    """NoiDung."""

    message_id: str = xml("MaGiaoDich", pattern=r"[A-Za-z0-9._:-]{1,64}")
    ivan: IvanInfo = xml("ThongTinIVAN")
    unit: UnitInfo = xml("ThongTinDonVi")
    dossier: DossierInfo = xml("ThongTinHoSo")


@dataclass
class Envelope(XmlModel):
    """Hoso."""

    XML_TAG = "Hoso"
    SIGNATURE_SLOTS = (UNIT_SLOT, PROVIDER_SLOT)

    content: EnvelopeContent = xml("NoiDung")


# Procedure codes of the I-VAN forms [ours: no public list was found].
PROCEDURES: dict[str, tuple[str, str]] = {
    "04/ĐK-IVAN": ("DK-IVAN", "Đăng ký sử dụng dịch vụ I-VAN"),
    "05/SĐ-IVAN": ("SD-IVAN", "Thay đổi, bổ sung thông tin đăng ký sử dụng dịch vụ I-VAN"),
    "06/NG-IVAN": ("NG-IVAN", "Ngừng sử dụng dịch vụ I-VAN"),
}


def wrap_declaration(
    declaration: XmlModel, *, message_id: str, ivan: IvanInfo, unit: UnitInfo, created_on: date,
) -> Envelope:
    """Put one declaration into a fresh, unsigned envelope."""
    form_code = declaration.FORM_CODE
    procedure_code, procedure_name = PROCEDURES.get(form_code, (form_code, form_code))
    payload = to_bytes(declaration)
    file_name = form_code.replace("/", "_") + ".xml"
    attached = AttachedForm(form_code, procedure_name, file_name, "xml", len(payload), payload)
    dossier = DossierInfo(
        procedure_name, procedure_code, created_on.strftime("%m/%Y"), created_on, 1, [attached])
    return Envelope(EnvelopeContent(message_id, ivan, unit, dossier))
