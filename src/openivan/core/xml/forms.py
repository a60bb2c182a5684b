"""The forms exchanged with BHXH, as typed models (field lists: domain.md section 3).

English field names, Vietnamese element names (the wire format vendors use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_email, parse_mst, parse_unit_code
from openivan.core.xml.codec import XmlModel, xml

MST_PATTERN = r"\d{10}(-\d{3})?"
PERIOD_PATTERN = r"(0[1-9]|1[0-2])/\d{4}"
IVAN_CODE_PATTERN = r"[A-Za-z0-9]{1,20}"
# Where the unit's signature of an attached declaration sits: a child `Cky` of its root, as in
# every vendor's D02-TS, TK1-TS, M01B-HSB… (the envelope's is `CKy_Dvi`).
DECLARATION_SLOT = "Cky"


def _email(value: str) -> object:
    return parse_email(value)


# ---------------------------------------------------------------- shared blocks

@dataclass
class CertificateInfo(XmlModel):
    """Thông tin chứng thư số: the certificate block of the I-VAN forms."""

    serial: str = xml("SoSerial", pattern=r"[0-9A-Fa-f]{1,64}")
    issuer: str = xml("ToChucCap", max_length=500)  # CA name
    subject: str = xml("ChuThe", max_length=500)
    valid_from: date = xml("TuNgay")
    valid_to: date = xml("DenNgay")

    def validate(self) -> None:
        if self.valid_to < self.valid_from:
            raise OpenIvanError("XML_FIELD_INVALID", path="ChungThuSo/DenNgay",
                                reason="valid_to before valid_from")


@dataclass
class FormHeader(XmlModel):
    """Phần đầu tờ khai: place, date and the unit, common to 04, 05 and 06."""

    place: str = xml("DiaDanh", max_length=100)
    declared_on: date = xml("NgayKe")
    unit_name: str = xml("TenDonVi", max_length=500)
    unit_code: str | None = xml("MaDonVi", pattern=r"[A-Z0-9]{1,10}", check=parse_unit_code)
    tax_code: str = xml("MaSoThue", pattern=MST_PATTERN, check=parse_mst)
    address: str = xml("DiaChiLienHe", max_length=500)
    email: str = xml("Email", max_length=254, check=_email)
    phone: str = xml("DienThoai", pattern=r"\+?[0-9 .]{8,15}")


# ---------------------------------------------------------------- declarations

@dataclass
class IvanRegistration(XmlModel):
    """04/ĐK-IVAN — Tờ khai đăng ký sử dụng dịch vụ I-VAN."""

    XML_TAG = "DangKyIVAN"
    FORM_CODE = "04/ĐK-IVAN"
    SIGNATURE_SLOTS = (DECLARATION_SLOT,)  # the unit signs the declaration itself

    header: FormHeader = xml("ThongTinDonVi")
    procedures: str = xml("ThuTucGiaoDich", max_length=1000)
    ivan_name: str = xml("TenIVAN", max_length=200)
    ivan_code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    certificate: CertificateInfo = xml("ChungThuSo")
    province: str | None = xml("TinhThanh", default=None)
    managing_agency: str | None = xml("CoQuanBHXH", default=None)
    unit_type: str | None = xml("LoaiDonVi", default=None)
    business_line: str | None = xml("NganhNghe", default=None)
    legal_representative: str | None = xml("NguoiDaiDien", default=None)
    representative_title: str | None = xml("ChucVu", default=None)
    contact_person: str | None = xml("NguoiLienHe", default=None)
    mobile: str | None = xml("DiDong", pattern=r"\+?[0-9]{9,12}", default=None)
    result_delivery: str | None = xml("HinhThucNhanKetQua", choices=("TaiCoQuan", "BuuDien"),
                                      default=None)
    delivery_address: str | None = xml("DiaChiNhanKetQua", default=None)
    licence_number: str | None = xml("SoGiayPhep", default=None)  # first-time unit
    licence_issuer: str | None = xml("NoiCapGiayPhep", default=None)

    def validate(self) -> None:
        if self.header.unit_code is None and not (self.licence_number and self.licence_issuer):
            raise OpenIvanError(
                "XML_FIELD_INVALID", path="DangKyIVAN/SoGiayPhep",
                reason="a unit without a unit code gives its licence number and issuer")
        if self.result_delivery == "BuuDien" and not self.delivery_address:
            raise OpenIvanError("XML_FIELD_INVALID", path="DangKyIVAN/DiaChiNhanKetQua",
                                reason="delivery by post needs an address")


@dataclass
class RegisteredDetails(XmlModel):
    """The part of a registration a 05/SĐ-IVAN can change."""

    certificate: CertificateInfo = xml("ChungThuSo")
    email: str = xml("Email", max_length=254, check=_email)
    contact_person: str | None = xml("NguoiLienHe", default=None)
    phone: str | None = xml("DienThoai", pattern=r"\+?[0-9 .]{8,15}", default=None)


@dataclass
class IvanChange(XmlModel):
    """05/SĐ-IVAN — Tờ khai thay đổi, bổ sung thông tin đăng ký sử dụng dịch vụ I-VAN."""

    XML_TAG = "ThayDoiIVAN"
    FORM_CODE = "05/SĐ-IVAN"
    SIGNATURE_SLOTS = (DECLARATION_SLOT,)  # the unit signs the declaration itself

    header: FormHeader = xml("ThongTinDonVi")
    ivan_name: str = xml("TenIVAN", max_length=200)
    ivan_code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    registered: RegisteredDetails = xml("ThongTinDaDangKy")
    new: RegisteredDetails = xml("ThongTinThayDoi")
    reason: str | None = xml("LyDo", default=None)

    def validate(self) -> None:
        if self.registered == self.new:
            raise OpenIvanError("XML_FIELD_INVALID", path="ThayDoiIVAN/ThongTinThayDoi",
                                reason="the new information equals the registered information")


@dataclass
class IvanStop(XmlModel):
    """06/NG-IVAN — Tờ khai ngừng sử dụng dịch vụ I-VAN (also: stop another provider's)."""

    XML_TAG = "NgungIVAN"
    FORM_CODE = "06/NG-IVAN"
    SIGNATURE_SLOTS = (DECLARATION_SLOT,)  # the unit signs the declaration itself

    header: FormHeader = xml("ThongTinDonVi")
    ivan_name: str = xml("TenIVAN", max_length=200)  # the provider whose service stops
    ivan_code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    stop_on: date = xml("NgayNgung")
    reason: str = xml("LyDo", max_length=1000)
    other_provider: bool = xml("NgungIVANKhac", default=False)


@dataclass
class TransactionRegistration(XmlModel):
    """01/ĐK-GD — Tờ khai đăng ký sử dụng phương thức giao dịch điện tử (individual or org)."""

    XML_TAG = "DangKyGiaoDich"
    FORM_CODE = "01/ĐK-GD"

    party_type: str = xml("LoaiDoiTuong", choices=("CaNhan", "ToChuc"))
    name: str = xml("HoTen", max_length=200)
    id_type: str = xml("LoaiGiayTo", choices=("CCCD", "CMND", "HoChieu", "GiayPhep"))
    id_number: str = xml("SoGiayTo", pattern=r"[A-Z0-9]{6,20}")
    address: str = xml("DiaChi", max_length=500)
    phone: str = xml("DienThoai", pattern=r"\+?[0-9 .]{8,15}")
    agency: str = xml("CoQuanBHXH", max_length=200)
    method: str = xml("HinhThuc", choices=("ChungThuSo", "TaiQuay"))
    place: str = xml("DiaDanh", max_length=100)
    declared_on: date = xml("NgayKe")
    birth_date: date | None = xml("NgaySinh", default=None)
    sex: str | None = xml("GioiTinh", choices=("Nam", "Nu"), default=None)
    bhxh_number: str | None = xml("MaSoBHXH", pattern=r"\d{10}", default=None)
    id_issued_on: date | None = xml("NgayCap", default=None)
    id_issued_by: str | None = xml("NoiCap", default=None)
    tax_code: str | None = xml("MaSoThue", pattern=MST_PATTERN, check=parse_mst, default=None)
    email: str | None = xml("Email", max_length=254, check=_email, default=None)
    certificate: CertificateInfo | None = xml("ChungThuSo", default=None)

    SIGNATURE_SLOTS = ("CKy",)

    def validate(self) -> None:
        from openivan.core.identifiers import parse_cccd, parse_cmnd

        if self.id_type == "CCCD":
            parse_cccd(self.id_number)
        elif self.id_type == "CMND":
            parse_cmnd(self.id_number)
        if self.party_type == "ToChuc" and self.tax_code is None:
            raise OpenIvanError("XML_FIELD_INVALID", path="DangKyGiaoDich/MaSoThue",
                                reason="an organisation gives its tax code")
        if self.method == "ChungThuSo" and self.certificate is None:
            raise OpenIvanError("XML_FIELD_INVALID", path="DangKyGiaoDich/ChungThuSo",
                                reason="registration with a certificate names the certificate")


# ---------------------------------------------------------------- agency documents

@dataclass
class ReasonItem(XmlModel):
    """One error or reason: a stable code and its description."""

    code: str = xml("Ma", max_length=64)
    message: str = xml("MoTa", max_length=2000)
    path: str | None = xml("ViTri", default=None)


@dataclass
class NonAcceptanceNotice(XmlModel):
    """01/TB-GDĐT — Thông báo về việc không chấp nhận đăng ký giao dịch điện tử."""

    XML_TAG = "ThongBaoKhongChapNhan"
    FORM_CODE = "01/TB-GDĐT"
    SIGNATURE_SLOTS = ("CKy_BHXH",)

    notice_number: str = xml("SoThongBao", max_length=64)
    issued_on: date = xml("NgayThongBao")
    agency: str = xml("CoQuanBHXH", max_length=200)
    recipient: str = xml("TenNguoiNhan", max_length=500)
    reasons: list[ReasonItem] = xml("LyDos", item="LyDo")
    dossier_number: str | None = xml("SoHoSo", default=None)
    received_at: datetime | None = xml("ThoiGianTiepNhan", default=None)

    def validate(self) -> None:
        if not self.reasons:
            raise OpenIvanError("XML_FIELD_INVALID", path="ThongBaoKhongChapNhan/LyDos",
                                reason="a refusal gives at least one reason")


@dataclass
class TechnicalAck(XmlModel):
    """Phản hồi kỹ thuật: accepted for processing, or the list of errors."""

    XML_TAG = "PhanHoiKyThuat"
    SIGNATURE_SLOTS = ("CKy_BHXH",)

    message_id: str = xml("MaGiaoDich", max_length=64)
    ivan_code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    answered_at: datetime = xml("ThoiGian")
    result: str = xml("KetQua", choices=("ChapNhanXuLy", "TuChoi"))
    errors: list[ReasonItem] = xml("Lois", item="Loi")


@dataclass
class ReceptionAnswer(XmlModel):
    """Phản hồi tiếp nhận: received (with Số hồ sơ and reception time) or not received."""

    XML_TAG = "PhanHoiTiepNhan"
    SIGNATURE_SLOTS = ("CKy_BHXH",)

    message_id: str = xml("MaGiaoDich", max_length=64)
    ivan_code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    answered_at: datetime = xml("ThoiGian")
    result: str = xml("KetQua", choices=("DaTiepNhan", "KhongTiepNhan"))
    errors: list[ReasonItem] = xml("Lois", item="Loi")
    dossier_number: str | None = xml("SoHoSo", max_length=64, default=None)
    received_at: datetime | None = xml("ThoiGianTiepNhan", default=None)

    def validate(self) -> None:
        if self.result == "DaTiepNhan" and not (self.dossier_number and self.received_at):
            raise OpenIvanError("XML_FIELD_INVALID", path="PhanHoiTiepNhan/SoHoSo",
                                reason="a received dossier has a number and a reception time")


@dataclass
class DecisionAnswer(XmlModel):
    """Phản hồi kết quả: accepted or rejected, with reason codes."""

    XML_TAG = "PhanHoiKetQua"
    SIGNATURE_SLOTS = ("CKy_BHXH",)

    message_id: str = xml("MaGiaoDich", max_length=64)
    ivan_code: str = xml("MaIVAN", pattern=IVAN_CODE_PATTERN)
    dossier_number: str = xml("SoHoSo", max_length=64)
    answered_at: datetime = xml("ThoiGian")
    result: str = xml("KetQua", choices=("ChapNhan", "TuChoi"))
    reasons: list[ReasonItem] = xml("LyDos", item="LyDo")

    def validate(self) -> None:
        if self.result == "TuChoi" and not self.reasons:
            raise OpenIvanError("XML_FIELD_INVALID", path="PhanHoiKetQua/LyDos",
                                reason="a rejection gives at least one reason")


DECLARATIONS: tuple[type[XmlModel], ...] = (
    IvanRegistration, IvanChange, IvanStop, TransactionRegistration)
