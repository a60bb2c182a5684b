"""01/ĐK-GD of an individual (Tờ khai đăng ký sử dụng phương thức giao dịch điện tử — cá nhân).

The fields issue 27 and seed 004 list: họ tên, ngày sinh, giới tính, mã số BHXH, số
CCCD/CMND/hộ chiếu with ngày cấp and nơi cấp, địa chỉ, điện thoại di động, email, the agency that
receives the declaration, the transactions asked for, and how the person files it (signed with a
certificate, or at a reception point).

- `build` writes the XML (no namespace, an empty `CKy` slot for the person's signature);
- `read` parses untrusted bytes (core.xml.safe) and checks *every* field, so one refusal names
  all the fields to correct (`DECLARATION_INVALID`, details `problems`: field, code, message);
- `read_form` does the same for the portal's form input (field names as keys, text values);
- `sign` / `verify_signed` sign into `CKy` and verify it, then `check_person_certificate`:
  the CCCD/CMND/passport number in the certificate's UID must be the declared one.

The generic `forms.TransactionRegistration` (individual or organisation) stays for the I-VAN
flows; this model is the individual's, with the fields the portal needs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography import x509
from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import (
    normalize_text,
    parse_bhxh_number,
    parse_cccd,
    parse_cmnd,
    parse_email,
    parse_mobile,
)
from openivan.core.pki.chain import ChainValidator
from openivan.core.pki.facts import facts
from openivan.core.pki.revocation import RevocationChecker
from openivan.core.pki.validate import CertificateValidation, validate_certificate
from openivan.core.xml import codec
from openivan.core.xml.codec import XmlModel, xml
from openivan.core.xml.safe import parse_untrusted
from openivan.core.xmlsig import SigningKey, VerifiedSignature, verify
from openivan.core.xmlsig import sign as xml_sign

SLOT = "CKy"  # the person's signature, a child of the root as in every vendor's declaration
FORM_CODE = "01/ĐK-GD"
MIN_AGE = 14  # [ours] a person may hold an ID card (CCCD) from 14; keep it a setting upstream

# Giao dịch đề nghị — the transactions a person may ask to do electronically [ours: a catalogue
# of BHXH's procedure groups for individuals; the agency may change it].
TRANSACTIONS: dict[str, str] = {
    "TRA_CUU": "Tra cứu quá trình tham gia BHXH, BHYT, BHTN",
    "CAP_SO_THE": "Cấp, cấp lại, điều chỉnh sổ BHXH, thẻ BHYT",
    "CHE_DO": "Giải quyết hưởng các chế độ BHXH, BHTN",
    "TU_NGUYEN": "Đăng ký, đóng BHXH tự nguyện, BHYT hộ gia đình",
    "THANH_TOAN_BHYT": "Thanh toán trực tiếp chi phí khám chữa bệnh BHYT",
}
ID_TYPES = ("CCCD", "CMND", "HoChieu")
FILING = ("ChungThuSo", "TaiCoQuanBHXH")
_PASSPORT_RE = re.compile(r"^[A-Z]\d{7}$")
# The form's labels, by element: what messages name and the printed form shows.
LABELS = {
    "HoTen": "Họ và tên", "NgaySinh": "Ngày sinh", "GioiTinh": "Giới tính",
    "MaSoBHXH": "Mã số BHXH", "LoaiGiayTo": "Loại giấy tờ", "SoGiayTo": "Số giấy tờ",
    "NgayCap": "Ngày cấp", "NoiCap": "Nơi cấp", "DiaChi": "Địa chỉ liên hệ",
    "DienThoaiDiDong": "Số điện thoại di động", "CoQuanBHXH": "Cơ quan BHXH nhận hồ sơ",
    "GiaoDichDeNghi": "Giao dịch đề nghị", "HinhThucNop": "Hình thức nộp hồ sơ",
    "DiaDanh": "Địa danh", "NgayKe": "Ngày kê khai", "Email": "Địa chỉ thư điện tử",
    "NoiTiepNhan": "Nơi tiếp nhận hồ sơ",
}


@dataclass
class RequestedTransaction(XmlModel):
    """Giao dịch đề nghị: one code of `TRANSACTIONS`."""

    code: str = xml("MaGiaoDich", pattern=r"[A-Z_]{1,30}")


@dataclass
class IndividualRegistration(XmlModel):
    """01/ĐK-GD — the individual's declaration."""

    XML_TAG = "DangKyGiaoDichCaNhan"
    FORM_CODE = FORM_CODE
    SIGNATURE_SLOTS = (SLOT,)

    full_name: str = xml("HoTen", max_length=100)
    birth_date: date = xml("NgaySinh")
    sex: str = xml("GioiTinh", choices=("Nam", "Nu"))
    bhxh_number: str = xml("MaSoBHXH", pattern=r"\d{10}")
    id_type: str = xml("LoaiGiayTo", choices=ID_TYPES)
    id_number: str = xml("SoGiayTo", pattern=r"[A-Z0-9]{8,12}")
    id_issued_on: date = xml("NgayCap")
    id_issued_by: str = xml("NoiCap", max_length=200)
    address: str = xml("DiaChi", max_length=500)
    mobile: str = xml("DienThoaiDiDong", pattern=r"0\d{9}")
    agency: str = xml("CoQuanBHXH", max_length=200)
    transactions: list[RequestedTransaction] = xml("GiaoDichDeNghi", item="GiaoDich")
    filing: str = xml("HinhThucNop", choices=FILING)
    place: str = xml("DiaDanh", max_length=100)
    declared_on: date = xml("NgayKe")
    email: str | None = xml("Email", max_length=254, default=None)
    reception_point: str | None = xml("NoiTiepNhan", max_length=200, default=None)

    def validate(self) -> None:
        problems = check(self)
        if problems:
            raise invalid(problems)


@dataclass(frozen=True)
class Problem:
    """One field's fault: the element name (as the form labels it) and a code."""

    field: str
    code: str
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        label = LABELS.get(self.field, self.field)
        error = OpenIvanError(self.code, **{"field": label, **self.details})
        return {"field": self.field, "label": label, "code": self.code,
                "message": error.message_vi, "message_en": error.message_en}


def invalid(problems: list[Problem]) -> OpenIvanError:
    fields = ", ".join(dict.fromkeys(p.field for p in problems))
    return OpenIvanError("DECLARATION_INVALID", count=len({p.field for p in problems}),
                         fields=fields, problems=[p.as_dict() for p in problems])


_TAGS = {f.name: f.tag for f in codec.fields_of(IndividualRegistration)}
_FIELDS = {f.name: f for f in codec.fields_of(IndividualRegistration)}


def tag(name: str) -> str:
    """The element name of a model field (`birth_date` → `NgaySinh`)."""
    return _TAGS[name]


# ---------------------------------------------------------------- checks

def check(model: IndividualRegistration, *, today: date | None = None) -> list[Problem]:
    """Every fault of a declaration, in field order; [] when it is valid."""
    today = today or date.today()
    problems: list[Problem] = []

    def add(name: str, code: str, **details: Any) -> None:
        problems.append(Problem(_TAGS[name], code, details))

    for name, f in _FIELDS.items():
        value = getattr(model, name)
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            if not f.optional:
                add(name, "FIELD_REQUIRED")
            continue
        if isinstance(value, str):
            limit = f.meta.get("max_length")
            if limit and len(value) > limit:
                add(name, "FIELD_TOO_LONG", limit=limit)
            choices = f.meta.get("choices")
            if choices and value not in choices:
                add(name, "FIELD_CHOICE", choices=", ".join(choices))
    flagged = {p.field for p in problems}

    def fine(name: str) -> bool:
        return _TAGS[name] not in flagged and getattr(model, name) not in (None, "", [])

    for name, parser in (("bhxh_number", parse_bhxh_number), ("mobile", parse_mobile),
                         ("email", parse_email)):
        if fine(name):
            _try(problems, _TAGS[name], parser, getattr(model, name))
    if fine("id_number") and fine("id_type"):
        before = len(problems)
        _try(problems, _TAGS["id_number"], _ID_PARSERS[model.id_type], model.id_number)
        id_ok = len(problems) == before
    else:
        id_ok = False
    birth_ok = fine("birth_date")
    if birth_ok:
        if model.birth_date > today:
            add("birth_date", "FIELD_DATE_FUTURE")
            birth_ok = False
        elif _age(model.birth_date, today) < MIN_AGE:
            add("birth_date", "BIRTH_DATE_RANGE", value=model.birth_date.strftime("%d/%m/%Y"),
                min_age=MIN_AGE)
    if (id_ok and birth_ok and model.id_type == "CCCD" and fine("sex")
            and not _cccd_agrees(model.id_number, model.sex, model.birth_date.year)):
        add("id_number", "CCCD_MISMATCH", value=model.id_number)
    if fine("id_issued_on"):
        if model.id_issued_on > today:
            add("id_issued_on", "FIELD_DATE_FUTURE")
        elif birth_ok and model.id_issued_on < model.birth_date:
            add("id_issued_on", "ID_ISSUED_BEFORE_BIRTH")
    if fine("declared_on") and model.declared_on > today:
        add("declared_on", "FIELD_DATE_FUTURE")
    if fine("transactions"):
        seen: set[str] = set()
        for item in model.transactions:
            if item.code not in TRANSACTIONS:
                add("transactions", "TRANSACTION_UNKNOWN", value=item.code)
            elif item.code in seen:
                add("transactions", "TRANSACTION_DUPLICATE", value=item.code)
            seen.add(item.code)
    if model.filing == "TaiCoQuanBHXH" and not (model.reception_point or "").strip():
        add("reception_point", "RECEPTION_POINT_REQUIRED")
    return problems


def check_or_raise(model: IndividualRegistration, *, today: date | None = None) -> None:
    """`check`, raising `DECLARATION_INVALID` with every problem when there is one."""
    problems = check(model, today=today)
    if problems:
        raise invalid(problems)


def _parse_passport(value: str) -> str:
    if not _PASSPORT_RE.match(value):
        raise OpenIvanError("PASSPORT_FORMAT", value=value)
    return value


_ID_PARSERS: dict[str, Callable[[str], object]] = {
    "CCCD": parse_cccd, "CMND": parse_cmnd, "HoChieu": _parse_passport}


def _try(problems: list[Problem], field: str, parser: Callable[[str], object],
         value: str) -> None:
    try:
        parser(value)
    except OpenIvanError as exc:
        problems.append(Problem(field, exc.code, {k: v for k, v in exc.details.items()
                                                  if k != "field"}))


def _cccd_agrees(number: str, sex: str, year: int) -> bool:
    """A CCCD's 4th digit is century and sex (0/1: 1900s man/woman, 2/3: 2000s, … 8/9: 2300s),
    the 5th and 6th the last two digits of the birth year (Thông tư 07/2016/TT-BCA)."""
    code = int(number[3])
    century = 1900 + 100 * (code // 2)
    woman = code % 2 == 1
    return century + int(number[4:6]) == year and woman == (sex == "Nu")


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# ---------------------------------------------------------------- building and reading

def build(model: IndividualRegistration) -> bytes:
    """The declaration's XML bytes, with an empty `CKy` for the signature; checked first."""
    return codec.to_bytes(model)


def read_form(data: Mapping[str, Any], *, today: date | None = None) -> IndividualRegistration:
    """A declaration from the portal's form: field names as keys; dates dd/mm/yyyy or ISO;
    `transactions` a list of codes. Every fault is reported at once (`DECLARATION_INVALID`)."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name, f in _FIELDS.items():
        raw = data.get(name)
        if f.is_list:
            raw = [raw] if isinstance(raw, str) else (raw or [])
            codes = [normalize_text(str(c)) for c in raw]
            values[name] = [RequestedTransaction(c) for c in codes if c]
        else:
            values[name] = _coerce(f, None if raw is None else str(raw), problems)
    return _finish(values, problems, today)


def read(data: bytes, *, today: date | None = None) -> IndividualRegistration:
    """A declaration from untrusted XML bytes (signed or not): hardened parse, every field
    checked. Elements the form does not name are refused (the person signs what is shown)."""
    root = parse_untrusted(data).getroot()
    return from_element(root, today=today)


def from_element(root: etree._Element, *, today: date | None = None) -> IndividualRegistration:
    found = etree.QName(root).localname
    if found != IndividualRegistration.XML_TAG or etree.QName(root).namespace:
        raise OpenIvanError("DECLARATION_ROOT", found=root.tag,
                            expected=IndividualRegistration.XML_TAG)
    problems: list[Problem] = []
    children: dict[str, list[etree._Element]] = {}
    for child in root:
        if isinstance(child.tag, str):
            children.setdefault(child.tag, []).append(child)
    known = {*_TAGS.values(), SLOT}
    for name, nodes in children.items():
        if name not in known:
            problems.append(Problem(name, "XML_FIELD_INVALID",
                                    {"path": f"/{found}/{name}", "reason": "unexpected element"}))
        elif len(nodes) > 1:
            problems.append(Problem(name, "XML_FIELD_INVALID",
                                    {"path": f"/{found}/{name}", "reason": "given twice"}))
    values: dict[str, Any] = {}
    for name, f in _FIELDS.items():
        nodes = children.get(f.tag, [])
        if f.is_list:
            values[name] = [
                RequestedTransaction(normalize_text(item.findtext("MaGiaoDich") or ""))
                for item in (nodes[0].iterchildren(f.meta["item"]) if nodes else ())]
        else:
            values[name] = _coerce(f, nodes[0].text or "" if nodes else None, problems)
    return _finish(values, problems, today)


def _coerce(f: codec._Field, raw: str | None, problems: list[Problem]) -> Any:
    if raw is None:
        return None
    text = normalize_text(raw)
    if not text:
        return None
    if f.kind is date:
        for fmt in (codec.DATE_FORMAT, "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        problems.append(Problem(f.tag, "FIELD_DATE"))
        return _BAD
    if f.name in ("id_number", "id_type", "sex"):
        return text.upper() if f.name == "id_number" else text
    return text


_BAD: Any = object()  # a value already reported: checked no further


def _finish(values: dict[str, Any], problems: list[Problem],
            today: date | None) -> IndividualRegistration:
    bad = {name for name, value in values.items() if value is _BAD}
    cleaned: dict[str, Any] = {k: (None if k in bad else v) for k, v in values.items()}
    model = IndividualRegistration(**cleaned)
    bad_tags = {_TAGS[name] for name in bad}
    problems += [p for p in check(model, today=today)
                 if not (p.field in bad_tags and p.code == "FIELD_REQUIRED")]
    if problems:
        raise invalid(problems)
    return model


# ---------------------------------------------------------------- signatures

def sign(document: bytes, key: SigningKey, *, signing_time: datetime | None = None,
         chain: list[x509.Certificate] | None = None) -> bytes:
    """Sign the declaration into `CKy`; the bytes returned are what is sent and stored."""
    return xml_sign(document, key, slot=SLOT, signing_time=signing_time, chain=chain)


@dataclass(frozen=True)
class VerifiedDeclaration:
    declaration: IndividualRegistration
    signature: VerifiedSignature
    validation: CertificateValidation | None  # None when no chain validator was given


def verify_signed(data: bytes, *, chains: ChainValidator | None = None,
                  revocation: RevocationChecker | None = None,
                  today: date | None = None) -> VerifiedDeclaration:
    """The automatic checks of a declaration signed with a certificate, in this order:
    hardened parse → the signature in `CKy` → every field → (chain at the signing time and
    revocation now, when `chains` is given) → the certificate is the declared person's."""
    tree = parse_untrusted(data)
    root = tree.getroot()
    if etree.QName(root).localname != IndividualRegistration.XML_TAG:
        raise OpenIvanError("DECLARATION_ROOT", found=root.tag,
                            expected=IndividualRegistration.XML_TAG)
    signature = verify(tree, slot=SLOT)
    declaration = from_element(signature.signed_tree.getroot(), today=today)
    validation = None
    if chains is not None:
        at = signature.signing_time or datetime.now().astimezone()
        validation = validate_certificate(signature.certificate, at, chains, revocation,
                                          signature.chain)
    check_person_certificate(signature.certificate, declaration)
    return VerifiedDeclaration(declaration, signature, validation)


def check_person_certificate(cert: x509.Certificate,
                             declaration: IndividualRegistration) -> None:
    """The CMND/CCCD (or passport) number in the certificate's UID equals the declared one.

    A person who moved from a 9-digit CMND to a 12-digit CCCD may hold a certificate of either:
    the number in the UID must equal the declared number, whatever its kind, so a certificate
    issued on the old CMND is refused for a declaration made with the new CCCD (the person
    declares the number the certificate carries, or renews the certificate).
    """
    ids = facts(cert).ids
    carried = [n for n in (ids.cccd, ids.cmnd, ids.passport) if n]
    if not carried:
        raise OpenIvanError("CERT_NO_PERSON_ID", subject=facts(cert).subject)
    if declaration.id_number not in carried:
        raise OpenIvanError("CERT_PERSON_MISMATCH", certificate=", ".join(carried),
                            declared=declaration.id_number)
