"""Error codes the portal raises, with their HTTP status where they have their own
(registered with `openivan.core.errors` when the package is imported; the catalogue is
docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "PORTAL_ACCOUNT_EXISTS": (
        "Mã số BHXH {bhxh_number} đã có tài khoản giao dịch điện tử với cơ quan BHXH: hãy đăng "
        "nhập bằng tài khoản đó (hoặc dùng chức năng quên mật khẩu).",
        "Social insurance number {bhxh_number} already has an e-transaction account with the "
        "agency: sign in with it (or use the forgotten-password page).",
    ),
    "PORTAL_DECLARATION_IN_PROGRESS": (
        "Mã số BHXH {bhxh_number} đã có tờ khai đăng ký đang được xử lý: hãy chờ kết quả "
        "(tra cứu bằng mã tham chiếu đã nhận) trước khi khai lại.",
        "Social insurance number {bhxh_number} already has a declaration being processed: "
        "wait for its answer (look it up by the reference code you were given) before "
        "declaring again.",
    ),
    "PORTAL_DECLARATION_NOT_FOUND": (
        "Không có tờ khai nào có mã tham chiếu {reference}.",
        "No declaration has the reference code {reference}.",
    ),
    "PORTAL_FILING_NOT_SIGNED": (
        "Tờ khai gửi qua cổng phải có hình thức nộp \"ChungThuSo\" (ký bằng chứng thư số); tờ "
        "khai này ghi \"{filing}\".",
        "A declaration sent to the portal must be filed as \"ChungThuSo\" (signed with a "
        "certificate); this one says \"{filing}\".",
    ),
    "PORTAL_DECISION_NOT_ALLOWED": (
        "Tờ khai {reference} đang ở trạng thái {status}; không thể ra quyết định.",
        "Declaration {reference} is {status}; no decision can be taken on it.",
    ),
    "PORTAL_REASON_REQUIRED": (
        "Không chấp nhận tờ khai phải kèm ít nhất một lý do.",
        "A refusal needs at least one reason.",
    ),
    "PORTAL_BODY_EMPTY": (
        "Không có tờ khai: nội dung yêu cầu trống.",
        "No declaration: the request body is empty.",
    ),
}

# The individuals' pages: filing 01/ĐK-GD and looking a declaration up by its reference code.
MESSAGES.update({
    "PORTAL_RECEPTION_POINT_UNKNOWN": (
        "Chọn nơi tiếp nhận hồ sơ trong danh sách.",
        "Choose the reception point from the list.",
    ),
    "PORTAL_REFERENCE_CANCELLED": (
        "Mã tham chiếu {reference} đã bị hủy: tờ khai không được nộp tại cơ quan BHXH trong "
        "{days} ngày kể từ khi xác nhận. Hãy kê khai lại.",
        "Reference code {reference} was cancelled: the declaration was not filed at a BHXH "
        "office within {days} days of its confirmation. Declare again.",
    ),
    "PORTAL_REFERENCE_USED": (
        "Mã tham chiếu {reference} đã được sử dụng: tờ khai đã được cơ quan BHXH giải quyết.",
        "Reference code {reference} has been used: the agency has decided the declaration.",
    ),
    "PORTAL_LOOKUP_THROTTLED": (
        "Đã tra cứu quá nhiều mã tham chiếu không tồn tại. Hãy thử lại sau {minutes} phút.",
        "Too many reference codes that do not exist were looked up. Try again in {minutes} "
        "minutes.",
    ),
    "PORTAL_CREDENTIAL_NOT_CHOSEN": (
        "Chọn chứng thư số để ký trong danh sách của tài khoản ký từ xa.",
        "Choose the certificate to sign with from the remote signing account's list.",
    ),
    "PORTAL_REMOTE_ACCOUNT_CLOSED": (
        "Tài khoản ký từ xa không còn mở: hãy nhập lại mật khẩu và lấy lại danh sách chứng "
        "thư số.",
        "The remote signing account is no longer open: type the password again and fetch "
        "the certificates again.",
    ),
})

register(MESSAGES, layer="portal", status={
    "PORTAL_DECLARATION_NOT_FOUND": 404, "PORTAL_ACCOUNT_EXISTS": 409,
    "PORTAL_DECLARATION_IN_PROGRESS": 409, "PORTAL_LOOKUP_THROTTLED": 429})
