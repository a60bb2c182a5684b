"""Error codes the portal raises (registered with `openivan.core.errors` when the package is
imported; the catalogue is docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

# The individuals' pages: filing 01/ĐK-GD and looking a declaration up by its reference code.
MESSAGES: dict[str, tuple[str, str]] = {
    "PERSON_HAS_ACCOUNT": (
        "Mã số BHXH {bhxh_number} đã có tài khoản giao dịch điện tử. Hãy đăng nhập; nếu quên "
        "mật khẩu, dùng chức năng \u201cQuên mật khẩu\u201d.",
        "Social insurance number {bhxh_number} already has an e-transaction account. Sign in; "
        "if you forgot the password, use \u201cForgot password\u201d.",
    ),
    "DECLARATION_IN_PROGRESS": (
        "Mã số BHXH {bhxh_number} đã có một tờ khai đang chờ xử lý (mã tham chiếu {reference}). "
        "Hãy tra cứu tờ khai đó, hoặc chờ nó được giải quyết hay hết hạn.",
        "Social insurance number {bhxh_number} has a declaration in progress already (reference "
        "{reference}). Look that one up, or wait until it is decided or expires.",
    ),
    "RECEPTION_POINT_UNKNOWN": (
        "Chọn nơi tiếp nhận hồ sơ trong danh sách.",
        "Choose the reception point from the list.",
    ),
    "REFERENCE_UNKNOWN": (
        "Không có tờ khai nào mang mã tham chiếu {reference}. Kiểm tra lại mã in trên tờ khai.",
        "No declaration has reference code {reference}. Check the code printed on the form.",
    ),
    "REFERENCE_CANCELLED": (
        "Mã tham chiếu {reference} đã bị hủy: tờ khai không được nộp tại cơ quan BHXH trong "
        "{days} ngày kể từ khi xác nhận. Hãy kê khai lại.",
        "Reference code {reference} was cancelled: the declaration was not filed at a BHXH "
        "office within {days} days of its confirmation. Declare again.",
    ),
    "REFERENCE_USED": (
        "Mã tham chiếu {reference} đã được sử dụng: tờ khai đã được cơ quan BHXH giải quyết.",
        "Reference code {reference} has been used: the agency has decided the declaration.",
    ),
    "PORTAL_LOOKUP_THROTTLED": (
        "Đã tra cứu quá nhiều mã tham chiếu không tồn tại. Hãy thử lại sau {minutes} phút.",
        "Too many reference codes that do not exist were looked up. Try again in {minutes} "
        "minutes.",
    ),
    "SIGNED_DECLARATION_EMPTY": (
        "Không nhận được tờ khai đã ký. Hãy ký lại.",
        "No signed declaration was received. Sign again.",
    ),
}

register(MESSAGES, layer="portal", status={"REFERENCE_UNKNOWN": 404,
                                                 "PORTAL_LOOKUP_THROTTLED": 429})
