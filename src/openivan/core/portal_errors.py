"""Error codes of the individuals' portal (issue 27): SMS, 01/ĐK-GD, records matching, reference
codes. Kept apart from `core.errors` so that splitting codes per layer merges cleanly; importing
this module registers them in `core.errors.MESSAGES` (each module that raises them imports it).
"""

from __future__ import annotations

from openivan.core.errors import MESSAGES

PORTAL_MESSAGES: dict[str, tuple[str, str]] = {
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

_clash = set(PORTAL_MESSAGES) & {k for k, v in MESSAGES.items() if PORTAL_MESSAGES.get(k) != v}
if _clash:  # a code defined twice with different texts: a merge mistake, caught at import
    raise RuntimeError(f"portal error codes already defined elsewhere: {sorted(_clash)}")
MESSAGES.update(PORTAL_MESSAGES)
