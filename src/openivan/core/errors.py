"""Typed errors with stable codes and a message in Vietnamese and in English.

Every refusal the platform makes — by the API, the UI or the CLI — is one of these. The code is
the contract (clients switch on it); the messages are for people.

Each layer keeps the codes it raises: core's are here; the platform's and each app's are in
their own `errors.py`, added with `register()` when their package is imported, with the HTTP
status of those that have their own. `catalogue()` lists them all (docs/error-codes.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Core's codes: code -> (Vietnamese message, English message). Messages may use {placeholders}
# filled from the error's details.
_CORE: dict[str, tuple[str, str]] = {
    # identifiers
    "MST_FORMAT": (
        "Mã số thuế phải gồm 10 chữ số, hoặc 13 ký tự dạng 10 chữ số + '-NNN' (chi nhánh).",
        "A tax code (MST) has 10 digits, or 10 digits and a '-NNN' branch suffix.",
    ),
    "MST_CHECKSUM": (
        "Mã số thuế {value} sai chữ số kiểm tra.",
        "Tax code {value} has a wrong check digit.",
    ),
    "CCCD_FORMAT": (
        "Số căn cước công dân phải gồm đúng 12 chữ số.",
        "A citizen ID (CCCD) number has exactly 12 digits.",
    ),
    "CMND_FORMAT": (
        "Số chứng minh nhân dân phải gồm đúng 9 chữ số.",
        "An identity card (CMND) number has exactly 9 digits.",
    ),
    "BHXH_NUMBER_FORMAT": (
        "Mã số BHXH phải gồm đúng 10 chữ số.",
        "A social insurance number has exactly 10 digits.",
    ),
    "PHONE_FORMAT": (
        "Số điện thoại di động không hợp lệ: cần 10 chữ số, bắt đầu bằng 0 (hoặc +84).",
        "Invalid mobile number: 10 digits starting with 0 (or +84) expected.",
    ),
    "PHONE_NETWORK": (
        "Đầu số {prefix} không thuộc nhà mạng di động nào tại Việt Nam.",
        "Prefix {prefix} belongs to no Vietnamese mobile network.",
    ),
    "UNIT_CODE_FORMAT": (
        "Mã đơn vị gồm 1–10 chữ cái in hoa hoặc chữ số.",
        "A unit code has 1 to 10 upper-case letters or digits.",
    ),
    "EMAIL_FORMAT": ("Địa chỉ thư điện tử không hợp lệ.", "Invalid email address."),
    "TEXT_REQUIRED": ("Trường {field} không được để trống.", "Field {field} is required."),
    # calendar
    "CALENDAR_RANGE": (
        "Ngày nằm ngoài khoảng lịch nghỉ được hỗ trợ.",
        "Date outside the supported holiday calendar.",
    ),
    # XML
    "XML_MALFORMED": ("Tài liệu XML không đúng cú pháp: {reason}", "Malformed XML: {reason}"),
    "XML_TOO_LARGE": (
        "Tài liệu vượt quá kích thước cho phép ({limit} byte).",
        "Document larger than the allowed {limit} bytes.",
    ),
    "XML_DTD_FORBIDDEN": (
        "Tài liệu chứa khai báo DOCTYPE, không được chấp nhận.",
        "Documents with a DOCTYPE declaration are refused.",
    ),
    "XML_ENTITY_FORBIDDEN": (
        "Tài liệu khai báo thực thể XML (entity), không được chấp nhận.",
        "Documents declaring XML entities are refused.",
    ),
    "XML_NAMESPACE": (
        "Phần tử gốc {found} có không gian tên (namespace); hồ sơ và tờ khai gửi BHXH không "
        "dùng không gian tên.",
        "Root element {found} is in a namespace; dossiers and declarations sent to BHXH are in "
        "no namespace.",
    ),
    "XML_BASE64_INVALID": (
        "Nội dung tại {path} không phải base64 hợp lệ.",
        "The content at {path} is not valid base64.",
    ),
    # files attached to a dossier (FileToKhai)
    "ATTACHMENT_LENGTH": (
        "Tệp đính kèm {file}: DoDaiFile ghi {declared} byte nhưng nội dung giải mã dài {actual} "
        "byte.",
        "Attached file {file}: DoDaiFile says {declared} bytes, the decoded content has "
        "{actual}.",
    ),
    "ATTACHMENT_TOO_LARGE": (
        "Tệp đính kèm {file} dài {size} byte, vượt quá giới hạn {limit} byte.",
        "Attached file {file} has {size} bytes, over the limit of {limit}.",
    ),
    "ATTACHMENT_FORM_UNKNOWN": (
        "Tệp đính kèm {file} có phần tử gốc {found}, không phải một tờ khai được biết đến, và "
        "không được khai là tệp loại khác (LoaiFile {file_type}, MaToKhai {form_code}).",
        "Attached file {file} has root element {found}, which is no known declaration, and is "
        "not declared as a file of another kind (LoaiFile {file_type}, MaToKhai {form_code}).",
    ),
    "ATTACHMENT_SIG_MISSING": (
        "Tờ khai đính kèm {file} chưa được đơn vị ký số (thiếu chữ ký trong Cky).",
        "Attached declaration {file} is not signed by the unit (no signature in Cky).",
    ),
    "XML_UNKNOWN_FORM": ("Không nhận ra loại tờ khai {found}.", "Unknown form {found}."),
    "XML_SCHEMA": (
        "Tài liệu không đúng lược đồ XSD: {summary}",
        "Document does not match the XSD schema: {summary}",
    ),
    "XML_FIELD_INVALID": (
        "Giá trị tại {path} không hợp lệ: {reason}",
        "Invalid value at {path}: {reason}",
    ),
    # signatures
    "SIG_MISSING": ("Tài liệu chưa được ký số.", "The document is not signed."),
    "SIG_UNEXPECTED": (
        "Tài liệu có chữ ký ở vị trí không hợp lệ hoặc nhiều hơn một chữ ký.",
        "The document has a signature out of place, or more than one signature.",
    ),
    "SIG_REFERENCE_INVALID": (
        "Chữ ký không bao trùm toàn bộ tài liệu: {reason}",
        "The signature does not cover the whole document: {reason}",
    ),
    "SIG_ALGORITHM_FORBIDDEN": (
        "Thuật toán {algorithm} không được phép.",
        "Algorithm {algorithm} is not allowed.",
    ),
    "SIG_INVALID": (
        "Chữ ký số không hợp lệ: tài liệu đã bị thay đổi sau khi ký hoặc chữ ký hỏng.",
        "Invalid signature: the document was changed after signing, or the signature is broken.",
    ),
    "SIG_CERT_MISSING": (
        "Chữ ký không kèm chứng thư số của người ký.",
        "The signature carries no signer certificate.",
    ),
    "SIG_SLOT_MISSING": (
        "Tài liệu không có vị trí chữ ký {slot}.",
        "The document has no signature slot {slot}.",
    ),
    "SIG_SLOT_DUPLICATE": (
        "Tài liệu có nhiều hơn một vị trí chữ ký {slot}.",
        "The document has more than one signature slot {slot}.",
    ),
    "SIG_SLOT_OCCUPIED": (
        "Vị trí chữ ký {slot} đã có chữ ký.",
        "Signature slot {slot} is already signed.",
    ),
    "SIG_TIME_OUTSIDE_VALIDITY": (
        "Thời điểm ký {signing_time} nằm ngoài thời hạn hiệu lực của chứng thư số.",
        "Signing time {signing_time} lies outside the certificate's validity.",
    ),
    "SIG_TIME_IN_FUTURE": (
        "Thời điểm ký {signing_time} nằm trong tương lai.",
        "Signing time {signing_time} lies in the future.",
    ),
    "SIG_TOO_OLD": (
        "Chữ ký được tạo lúc {signing_time}, quá {hours} giờ trước khi tiếp nhận. "
        "Đề nghị ký lại hồ sơ và gửi lại.",
        "The signature was made at {signing_time}, more than {hours} hours before reception. "
        "Sign the dossier again and send it again.",
    ),
    # certificates
    "CERT_MALFORMED": ("Không đọc được chứng thư số.", "The certificate cannot be read."),
    "CERT_EXPIRED": (
        "Chứng thư số đã hết hạn (hết hiệu lực từ {not_after}).",
        "The certificate expired on {not_after}.",
    ),
    "CERT_NOT_YET_VALID": (
        "Chứng thư số chưa có hiệu lực (hiệu lực từ {not_before}).",
        "The certificate is not valid before {not_before}.",
    ),
    "CERT_UNTRUSTED": (
        "Chứng thư số không được cấp bởi tổ chức chứng thực tin cậy.",
        "The certificate was not issued by a trusted certification authority.",
    ),
    "CERT_KEY_USAGE": (
        "Chứng thư số không được phép dùng để ký số (thiếu digitalSignature/nonRepudiation).",
        "The certificate may not sign (no digitalSignature or nonRepudiation key usage).",
    ),
    "CERT_REVOKED": (
        "Chứng thư số đã bị thu hồi từ {revoked_at}.",
        "The certificate was revoked on {revoked_at}.",
    ),
    "CERT_NO_TAX_CODE": (
        "Chứng thư số không chứa mã số thuế (UID MST:…).",
        "The certificate carries no tax code (UID MST:…).",
    ),
    "REVOCATION_UNAVAILABLE": (
        "Không kiểm tra được tình trạng thu hồi của chứng thư số (OCSP và CRL đều không phản hồi).",
        "Revocation status cannot be checked (neither OCSP nor CRL answered).",
    ),
    "TRUST_STORE_INVALID": (
        "Kho chứng thư tin cậy {path} không hợp lệ.",
        "Trust store {path} is not usable.",
    ),
    # signers
    "P12_INVALID": (
        "Không mở được tệp PKCS#12: sai mật khẩu hoặc tệp hỏng.",
        "Cannot open the PKCS#12 file: wrong password or damaged file.",
    ),
    "TOKEN_NOT_FOUND": (
        "Không tìm thấy USB token {label}. Hãy cắm token vào máy.",
        "Token {label} not found. Plug the token in.",
    ),
    "TOKEN_PIN_INVALID": ("Mã PIN của token không đúng.", "Wrong token PIN."),
    "TOKEN_PIN_LOCKED": (
        "Token đã bị khóa do nhập sai PIN quá số lần cho phép.",
        "The token is locked after too many wrong PINs.",
    ),
    "TOKEN_KEY_NOT_FOUND": (
        "Không tìm thấy khóa bí mật tương ứng với chứng thư số trên token.",
        "No private key on the token matches the certificate.",
    ),
    "TOKEN_ERROR": ("Lỗi khi làm việc với token: {reason}", "Token error: {reason}"),
    "CSC_UNAVAILABLE": (
        "Dịch vụ ký số từ xa {url} không trả lời được ({reason}).",
        "The remote signing service {url} did not answer ({reason}).",
    ),
    "CSC_AUTH_FAILED": (
        "Dịch vụ ký số từ xa từ chối tài khoản hoặc mật khẩu.",
        "The remote signing service refused the account or password.",
    ),
    "CSC_CREDENTIAL_NOT_FOUND": (
        "Không tìm thấy chứng thư số {credential} trên dịch vụ ký số từ xa.",
        "Credential {credential} not found at the remote signing service.",
    ),
    # a dossier's content against its signatures
    "MST_MISMATCH": (
        "Mã số thuế trên chứng thư số ({certificate}) không khớp mã số thuế đơn vị ({declared}).",
        "The certificate's tax code ({certificate}) does not match the unit's ({declared}).",
    ),
    # forms and remote signing
    "DATE_INVALID": (
        "Ngày không hợp lệ: {value} (cần dạng YYYY-MM-DD).",
        "Not a date: {value} (expected YYYY-MM-DD).",
    ),
    "CSC_ERROR": (
        "Dịch vụ ký số từ xa trả lỗi: {reason}",
        "The remote signing service answered with an error: {reason}",
    ),
    # declarations
    "DECLARATION_INCOMPLETE": (
        "Còn thiếu thông tin bắt buộc: {labels_vi}.",
        "Required information is missing: {labels_en}.",
    ),
    "STOP_DATE_PAST": (
        "Ngày ngừng {stop_on} đã qua: chọn từ hôm nay ({today}) trở đi.",
        "The stop date {stop_on} has passed: choose today ({today}) or later.",
    ),
    # agency_client
    "AGENCY_UNREACHABLE": (
        "Chưa gửi được tới cổng tiếp nhận của BHXH ({reason}). Hồ sơ sẽ được gửi lại tự động.",
        "The agency's intake could not be reached ({reason}). The dossier will be sent again "
        "by itself.",
    ),
    "AGENCY_REFUSED": (
        "BHXH từ chối: {agency_code} — {agency_message}",
        "The agency refused it: {agency_code} — {agency_message}",
    ),
    "AGENCY_ANSWER_INVALID": (
        "Câu trả lời của cổng BHXH không đúng định dạng ({reason}); chưa tin được kết quả.",
        "The agency's answer is malformed ({reason}); its result cannot be trusted.",
    ),
    "AGENCY_ANSWER_UNTRUSTED": (
        "Câu trả lời được ký bởi chứng thư {subject}, không phải chứng thư của BHXH đã cấu hình.",
        "The answer is signed by certificate {subject}, not by a configured agency "
        "certificate.",
    ),
    # signed_as_prepared
    "SIGNED_CONTENT_CHANGED": (
        "Tài liệu trả về từ phần mềm ký khác với tài liệu đã đưa đi ký ({where}); không gửi.",
        "The document the signer returned differs from the one given to it ({where}); "
        "not sent.",
    ),
    "SIGNED_BY_OTHER_CERTIFICATE": (
        "Tài liệu được ký bằng chứng thư số {serial}, không phải chứng thư đã chọn.",
        "The document was signed with certificate {serial}, not the one chosen.",
    ),
    # pki.admission
    "CERT_ALREADY_ADDED": (
        "Chứng thư số {serial} đã có trong danh sách chứng thư của đơn vị.",
        "Certificate {serial} is already in the unit's list.",
    ),
    "EXTRA_NOT_INSTALLED": (  # core/extras.py: a command of an optional part of the package
        "Lệnh này cần phần cài đặt bổ sung openivan[{extra}] (thiếu mô-đun: {missing}). Hãy "
        "cài: pip install 'openivan[{extra}]'",
        "This command needs the optional part openivan[{extra}] (modules missing: {missing}). "
        "Install it: pip install 'openivan[{extra}]'",
    ),
    "SAMPLE_NOT_AVAILABLE": (  # openivan xml build KIND --sample
        "Không có dữ liệu mẫu cho tờ khai {kind} (có mẫu: {available}); hãy dùng --json.",
        "There is no sample of form {kind} (samples: {available}); use --json.",
    ),
    "SIGNING_KEY_REQUIRED": (  # openivan xml sign without a key
        "Hãy chọn khóa ký: --p12 (tệp PKCS#12), --token-label (thiết bị ký số) hoặc --csc-url "
        "(ký số từ xa).",
        "Choose a signing key: --p12 (PKCS#12 file), --token-label (token) or --csc-url "
        "(remote signing).",
    ),
    # The individuals' portal (issue 27): SMS, 01/ĐK-GD, records matching, reference codes.
    # SMS over SMPP (core.sms)
    "SMS_URL_INVALID": (
        "Cấu hình SMS_URL sai: {problem}. Dạng đúng: smpp://system_id:mật_khẩu@máy:cổng"
        "?source=BHXH",
        "SMS_URL is wrong: {problem}. Expected smpp://system_id:password@host:port?source=BHXH",
    ),
    "SMS_UNREACHABLE": (
        "Không kết nối được tổng đài tin nhắn (SMSC) {host}:{port}: {reason}",
        "The SMS centre (SMSC) {host}:{port} cannot be reached: {reason}",
    ),
    "SMS_BIND_REFUSED": (
        "Tổng đài tin nhắn từ chối đăng nhập của tài khoản {system_id} (mã lỗi SMPP {status}).",
        "The SMS centre refused the bind of account {system_id} (SMPP status {status}).",
    ),
    "SMS_THROTTLED": (
        "Tổng đài tin nhắn đang giới hạn tốc độ gửi; tin nhắn sẽ được gửi lại sau.",
        "The SMS centre is throttling; the message will be sent again later.",
    ),
    "SMS_NUMBER_REJECTED": (
        "Tổng đài tin nhắn không nhận số điện thoại {number} (mã lỗi SMPP {status}).",
        "The SMS centre refused the number {number} (SMPP status {status}).",
    ),
    "SMS_REJECTED": (
        "Tổng đài tin nhắn từ chối tin nhắn (mã lỗi SMPP {status}).",
        "The SMS centre refused the message (SMPP status {status}).",
    ),
    "SMS_TIMEOUT": (
        "Tổng đài tin nhắn không trả lời trong {seconds} giây.",
        "The SMS centre did not answer within {seconds} seconds.",
    ),
    "SMS_TOO_LONG": (
        "Tin nhắn quá dài: {parts} phần, tối đa {limit} phần.",
        "The message is too long: {parts} parts, at most {limit}.",
    ),
    "SMS_EMPTY": ("Tin nhắn không có nội dung.", "The message is empty."),
    # 01/ĐK-GD of an individual (core.xml.individual)
    "DECLARATION_INVALID": (
        "Tờ khai 01/ĐK-GD có {count} trường không hợp lệ: {fields}.",
        "Declaration 01/ĐK-GD has {count} invalid fields: {fields}.",
    ),
    "DECLARATION_ROOT": (
        "Tài liệu không phải tờ khai 01/ĐK-GD của cá nhân (phần tử gốc {found}, cần {expected}).",
        "The document is not an individual's 01/ĐK-GD (root element {found}, expected "
        "{expected}).",
    ),
    "FIELD_REQUIRED": ("Trường {field} bắt buộc phải khai.", "Field {field} is required."),
    "FIELD_TOO_LONG": (
        "Trường {field} dài quá {limit} ký tự.",
        "Field {field} is longer than {limit} characters.",
    ),
    "FIELD_CHOICE": (
        "Trường {field} chỉ nhận một trong các giá trị: {choices}.",
        "Field {field} takes one of: {choices}.",
    ),
    "FIELD_DATE": (
        "Trường {field} phải là ngày dạng dd/mm/yyyy.",
        "Field {field} must be a date written dd/mm/yyyy.",
    ),
    "FIELD_DATE_FUTURE": (
        "Trường {field} là một ngày trong tương lai.",
        "Field {field} is a date in the future.",
    ),
    "BIRTH_DATE_RANGE": (
        "Ngày sinh {value} không hợp lệ: người đăng ký phải từ {min_age} tuổi trở lên.",
        "Date of birth {value} is not valid: the person must be at least {min_age}.",
    ),
    "ID_ISSUED_BEFORE_BIRTH": (
        "Ngày cấp giấy tờ tùy thân trước ngày sinh.",
        "The ID document was issued before the date of birth.",
    ),
    "CCCD_MISMATCH": (
        "Số CCCD {value} không khớp giới tính hoặc năm sinh đã khai (chữ số thứ 4 mã hoá thế kỷ "
        "và giới tính, chữ số thứ 5–6 là năm sinh).",
        "CCCD number {value} does not agree with the declared sex or year of birth (digit 4 "
        "encodes century and sex, digits 5–6 the year of birth).",
    ),
    "PASSPORT_FORMAT": (
        "Số hộ chiếu gồm 1 chữ cái in hoa và 7 chữ số (ví dụ C1234567).",
        "A passport number has one capital letter and 7 digits (e.g. C1234567).",
    ),
    "TRANSACTION_UNKNOWN": (
        "Giao dịch đề nghị {value} không có trong danh mục.",
        "Requested transaction {value} is not in the catalogue.",
    ),
    "TRANSACTION_DUPLICATE": (
        "Giao dịch đề nghị {value} được khai hai lần.",
        "Requested transaction {value} is listed twice.",
    ),
    "RECEPTION_POINT_REQUIRED": (
        "Nộp tại cơ quan BHXH phải chọn nơi tiếp nhận hồ sơ.",
        "Filing at the agency needs a reception point.",
    ),
    "CERT_NO_PERSON_ID": (
        "Chứng thư số không chứa số CMND/CCCD/hộ chiếu của cá nhân (UID CCCD:… hoặc CMND:…).",
        "The certificate carries no personal ID number (UID CCCD:… or CMND:…).",
    ),
    "CERT_PERSON_MISMATCH": (
        "Số giấy tờ trên chứng thư số ({certificate}) khác số giấy tờ đã khai ({declared}): "
        "chứng thư số của người khác.",
        "The ID number in the certificate ({certificate}) differs from the declared one "
        "({declared}): the certificate is another person's.",
    ),
    # records of insured persons (core.records)
    "RECORD_NOT_FOUND": (
        "Không tìm thấy mã số BHXH {bhxh_number} trong dữ liệu quản lý của BHXH.",
        "Social insurance number {bhxh_number} is not in the agency's records.",
    ),
    "RECORD_NAME_MISMATCH": (
        "Họ tên đã khai ({declared}) khác họ tên trong dữ liệu BHXH.",
        "The declared name ({declared}) differs from the agency's records.",
    ),
    "RECORD_BIRTH_DATE_MISMATCH": (
        "Ngày sinh đã khai ({declared}) khác ngày sinh trong dữ liệu BHXH.",
        "The declared date of birth ({declared}) differs from the agency's records.",
    ),
    "RECORD_ID_MISMATCH": (
        "Số giấy tờ đã khai ({declared}) khác số giấy tờ trong dữ liệu BHXH.",
        "The declared ID number ({declared}) differs from the agency's records.",
    ),
    "RECORD_SEX_MISMATCH": (
        "Giới tính đã khai ({declared}) khác giới tính trong dữ liệu BHXH.",
        "The declared sex ({declared}) differs from the agency's records.",
    ),
    "RECORDS_CSV_HEADER": (
        "Tệp CSV dữ liệu người tham gia thiếu cột: {missing}.",
        "The records CSV lacks the columns: {missing}.",
    ),
    "RECORDS_CSV_ROW": (
        "Dòng {line} của tệp CSV không hợp lệ: {reason}",
        "Line {line} of the CSV is invalid: {reason}",
    ),
    # reference codes (core.reference)
    "REFERENCE_FORMAT": (
        "Mã tham chiếu gồm {length} ký tự chữ và số, như in trên tờ khai.",
        "A reference code has {length} letters and digits, as printed on the form.",
    ),
    "REFERENCE_CHECK": (
        "Mã tham chiếu {value} sai ký tự kiểm tra: hãy đối chiếu lại từng ký tự.",
        "Reference code {value} has a wrong check character: compare it character by "
        "character.",
    ),
}


# Every code registered so far, by the layer that raises it (core's below; platform's and each
# app's in their own `errors.py`, registered when their package is imported): code ->
# (Vietnamese message, English message), its layer, its HTTP status where it has its own.
MESSAGES: dict[str, tuple[str, str]] = {}
LAYERS: dict[str, str] = {}
STATUS: dict[str, int] = {}
# Codes that say the platform cannot do its part just now, not that the input is wrong: the
# caller may send the same thing again later (HTTP 503 with Retry-After).
OUTAGES: set[str] = set()
# A refusal with no status of its own: the request was understood but cannot be done.
DEFAULT_STATUS = 422


def register(messages: Mapping[str, tuple[str, str]], *, layer: str,
             status: Mapping[str, int] | None = None, outages: Iterable[str] = ()) -> None:
    """Add a layer's codes (`layer`: core, platform, or the app's name). A code belongs to one
    layer; registering the same again (a module imported twice) changes nothing. `status`: the
    HTTP status of some of them; `outages` are answered 503 with Retry-After."""
    for code, pair in messages.items():
        owner = LAYERS.get(code)
        if owner is not None and (owner != layer or MESSAGES[code] != tuple(pair)):
            raise ValueError(f"error code {code!r} is already registered by {owner}")
        MESSAGES[code], LAYERS[code] = (pair[0], pair[1]), layer
    outages = set(outages)
    for code, number in {**(status or {}), **dict.fromkeys(outages, 503)}.items():
        if LAYERS.get(code) != layer:
            raise KeyError(f"{layer} gives a status to {code!r}, not one of its codes")
        STATUS[code] = number
    OUTAGES.update(outages)


def http_status(code: str) -> int:
    """The HTTP status an API answers this code with."""
    return STATUS.get(code, DEFAULT_STATUS)


@dataclass(frozen=True)
class Entry:
    """One line of the catalogue of error codes (docs/error-codes.md)."""

    code: str
    layer: str
    status: int | None
    message_vi: str
    message_en: str


def catalogue() -> list[Entry]:
    """Every registered code, core first, then by layer and code."""
    return sorted((Entry(code, LAYERS.get(code, "?"), STATUS.get(code), *pair)
                   for code, pair in MESSAGES.items()),
                  key=lambda e: (e.layer != "core", e.layer != "platform", e.layer, e.code))


class OpenIvanError(Exception):
    """An error a user or client can act on. `code` is stable; messages are translated."""

    def __init__(self, code: str, **details: Any) -> None:
        if code not in MESSAGES:
            raise KeyError(f"unregistered error code {code!r}")
        self.code = code
        self.details: dict[str, Any] = details
        # Extra fields for the API answer (e.g. a signed refusal), added where they are known.
        self.attachments: dict[str, Any] = {}
        super().__init__(f"{code}: {self.message_en}")

    def _format(self, template: str) -> str:
        try:
            return template.format_map(_Lenient(self.details))
        except (ValueError, IndexError):
            return template

    @property
    def message_vi(self) -> str:
        return self._format(MESSAGES[self.code][0])

    @property
    def message_en(self) -> str:
        return self._format(MESSAGES[self.code][1])

    def message(self, language: str = "vi") -> str:
        return self.message_en if language.startswith("en") else self.message_vi

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message_vi,
            "message_en": self.message_en,
            "details": {k: _plain(v) for k, v in self.details.items()},
            **self.attachments,
        }


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


register(_CORE, layer="core", status={"XML_TOO_LARGE": 413},
         outages={"REVOCATION_UNAVAILABLE"})
