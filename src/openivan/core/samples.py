"""Demo data: the demo unit, provider and declarations (`openivan xml build --sample`, the
demo, the tests)."""

from __future__ import annotations

from datetime import date

from openivan.core.xml import codec, envelope, forms

PROVIDER = envelope.IvanInfo(code="00040", name="I-VAN MỞ")
UNIT_TAX_CODE = "0101300842"
UNIT_NAME = "CÔNG TY TNHH GIẢI PHÁP MỞ"


def header(*, tax_code: str = UNIT_TAX_CODE, unit_code: str | None = "TA1234",
           email: str = "ketoan@giaiphapmo.vn") -> forms.FormHeader:
    return forms.FormHeader(
        place="Hà Nội", declared_on=date(2026, 11, 20), unit_name=UNIT_NAME, unit_code=unit_code,
        tax_code=tax_code, address="Số 7 Tràng Thi, Hoàn Kiếm, Hà Nội", email=email,
        phone="0912345678")


def certificate_block(serial: str = "1001") -> forms.CertificateInfo:
    return forms.CertificateInfo(serial=serial, issuer="OpenIVAN Demo CA", subject=UNIT_NAME,
                                 valid_from=date(2025, 1, 1), valid_to=date(2030, 1, 1))


def registration(**kw: object) -> forms.IvanRegistration:
    return forms.IvanRegistration(
        header=header(**kw),  # type: ignore[arg-type]
        procedures="Tất cả thủ tục hành chính BHXH, BHYT, BHTN",
        ivan_name=PROVIDER.name, ivan_code=PROVIDER.code, certificate=certificate_block(),
        province="Hà Nội", managing_agency="BHXH quận Hoàn Kiếm", contact_person="Nguyễn Văn An",
        mobile="0912345678", result_delivery="TaiCoQuan")


def change() -> forms.IvanChange:
    old = forms.RegisteredDetails(certificate_block("1001"), "ketoan@giaiphapmo.vn",
                                  "Nguyễn Văn An", "0912345678")
    new = forms.RegisteredDetails(certificate_block("1A2B"), "nhansu@giaiphapmo.vn",
                                  "Trần Thị Bình", "0987654321")
    return forms.IvanChange(header(), PROVIDER.name, PROVIDER.code, old, new,
                            reason="Gia hạn chứng thư số")


def stop(*, other_provider: bool = False) -> forms.IvanStop:
    return forms.IvanStop(header(), PROVIDER.name, PROVIDER.code, date(2026, 12, 31),
                          "Chuyển sang nhà cung cấp khác", other_provider)


def individual() -> forms.TransactionRegistration:
    return forms.TransactionRegistration(
        party_type="CaNhan", name="Nguyễn Văn An", id_type="CCCD", id_number="001090000001",
        address="Số 1 Đinh Tiên Hoàng, Hà Nội", phone="0912345678", agency="BHXH quận Hoàn Kiếm",
        method="ChungThuSo", place="Hà Nội", declared_on=date(2026, 11, 20),
        birth_date=date(1990, 5, 17), sex="Nam", bhxh_number="0123456789",
        email="an.nguyen@example.vn", certificate=certificate_block("1005"))


# Sample forms by the CLI's form kinds (`openivan xml build KIND --sample`).
SAMPLES = {"04": registration, "05": change, "06": stop, "01-dkgd": individual}


def envelope_for(declaration: codec.XmlModel, *, tax_code: str = UNIT_TAX_CODE,
                 others: list[envelope.AttachedForm] | None = None) -> envelope.Envelope:
    """The demo unit's envelope around `declaration` (and `others`: PDF scans…), unsigned:
    `core.dossier.sign_envelope` signs the declaration in its `Cky`, then the envelope."""
    unit = envelope.UnitInfo(name=UNIT_NAME, unit_code="TA1234", unit_type="1",
                             tax_code=tax_code, signer_name="Nguyễn Văn An", phone="0912345678",
                             managing_agency="BHXH quận Hoàn Kiếm")
    return envelope.wrap_declaration(declaration, ivan=PROVIDER, unit=unit,
                                     created_on=date(2026, 11, 20), others=others)


# The smallest valid PDF (one empty page), for attachments of the kind vendors send: scans.
SCAN_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def scan(name: str = "giay-phep-kinh-doanh.pdf") -> envelope.AttachedForm:
    """A PDF attachment (a scanned paper), as vendors attach them: `LoaiFile` `.pdf`."""
    return envelope.other_file(SCAN_PDF, file_name=name, form_code="pdf",
                               description="Bản chụp giấy phép kinh doanh")
