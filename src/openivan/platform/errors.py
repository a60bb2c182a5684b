"""Error codes the platform raises, with their HTTP status where they have their own
(registered with `openivan.core.errors` when the package is imported; the catalogue is
docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "CONTENT_ENCODING_UNSUPPORTED": (
        "Nội dung gửi lên bị nén ({encoding}); hãy gửi tài liệu XML đã ký nguyên vẹn, không "
        "nén (bỏ tiêu đề Content-Encoding).",
        "The body is compressed ({encoding}); send the signed XML as it is, uncompressed "
        "(no Content-Encoding header).",
    ),
    "PROVIDER_AUTH_FAILED": (
        "Tổ chức I-VAN chưa được xác thực: thiếu hoặc sai khóa API.",
        "The I-VAN provider is not authenticated: missing or wrong API key.",
    ),
    "MONITORING_OFF": (
        "Kiểm tra giám sát qua API chưa bật: đặt OPENIVAN_MONITORING_TOKEN (ít nhất 32 ký tự).",
        "Monitoring over the API is off: set OPENIVAN_MONITORING_TOKEN (at least 32 "
        "characters).",
    ),
    "MONITORING_AUTH_FAILED": (
        "Thiếu hoặc sai mã truy cập giám sát (Authorization: Bearer …).",
        "Missing or wrong monitoring token (Authorization: Bearer …).",
    ),
    "RATE_LIMITED": (
        "Gửi quá nhiều yêu cầu; thử lại sau {retry_after} giây.",
        "Too many requests; try again in {retry_after} seconds.",
    ),
    "API_INVALID_PARAMETER": (
        "Tham số không hợp lệ trong yêu cầu: {problems}.",
        "Invalid parameters in the request: {problems}.",
    ),
    "AUDIT_PRUNE_TOO_RECENT": (
        "Chỉ được xoá nhật ký kiểm toán cũ hơn {days} ngày.",
        "Only audit events older than {days} days may be deleted.",
    ),
    "DATA_KEY_UNKNOWN": (
        "Không mở được dữ liệu đã niêm phong: khoá dữ liệu đã được thay mà khoá cũ không còn "
        "trong OPENIVAN_DATA_KEY_FALLBACKS (hoặc SECRET_KEY_FALLBACKS).",
        "Sealed data cannot be opened: the data key was replaced and the old key is not in "
        "OPENIVAN_DATA_KEY_FALLBACKS (or SECRET_KEY_FALLBACKS).",
    ),
    "DATABASE_UNAVAILABLE": (
        "Hệ thống tạm thời không truy cập được cơ sở dữ liệu nên chưa xử lý yêu cầu này; không có "
        "gì được lưu. Vui lòng gửi lại sau ít phút.",
        "The platform cannot reach its database at the moment, so this request was not "
        "processed and nothing was stored. Please send it again in a few minutes.",
    ),
    "CONFIG_INVALID": (
        "Cấu hình (biến môi trường) sai: {problem}",
        "The configuration (environment) is wrong: {problem}",
    ),
    "DATABASE_ERROR": (  # out of reach, or a statement it stopped (lock or statement timeout)
        "Cơ sở dữ liệu (DATABASE_URL) không kết nối được hoặc báo lỗi: {problem}",
        "The database (DATABASE_URL) is out of reach or stopped the command: {problem}",
    ),
    "INTERNAL_ERROR": (
        "Lỗi hệ thống: yêu cầu chưa được xử lý xong và không có gì bị ghi dở. Vui lòng thử lại "
        "sau ít phút; nếu lỗi lặp lại, hãy báo cho bộ phận hỗ trợ kỹ thuật.",
        "A system error: the request was not completed and nothing was half-written. Please "
        "try again in a few minutes; if it happens again, tell technical support.",
    ),
    "PAGE_NOT_FOUND": (
        "Không có trang này. Hãy kiểm tra lại đường dẫn.",
        "There is no such page. Please check the address.",
    ),
    "ACCESS_DENIED": (
        "Tài khoản của bạn không có quyền xem trang này.",
        "Your account is not allowed to see this page.",
    ),
    "BAD_REQUEST": (
        "Yêu cầu không hợp lệ nên không được xử lý.",
        "The request is not valid, so it was not processed.",
    ),
    "FORM_EXPIRED": (
        "Không gửi được biểu mẫu: trang đã mở quá lâu hoặc trình duyệt đang chặn cookie của "
        "trang này. Hãy tải lại trang rồi gửi lại; nếu vẫn lỗi, hãy cho phép cookie.",
        "The form could not be sent: the page was open too long, or the browser blocks this "
        "site's cookies. Reload the page and send it again; if it fails again, allow cookies.",
    ),
    "API_NOT_FOUND": (
        "Không có địa chỉ API {path} (phương thức {method}). Xem tài liệu tại /api/v1/docs.",
        "There is no API address {path} (method {method}). See the documentation at "
        "/api/v1/docs.",
    ),
    "API_METHOD_NOT_ALLOWED": (
        "Địa chỉ API {path} không nhận phương thức {method}; được dùng: {allowed}.",
        "The API address {path} does not take method {method}; it takes: {allowed}.",
    ),
}

register(MESSAGES, layer="platform", status={
    "PROVIDER_AUTH_FAILED": 401, "MONITORING_AUTH_FAILED": 401, "MONITORING_OFF": 403,
    "RATE_LIMITED": 429, "CONTENT_ENCODING_UNSUPPORTED": 415,
}, outages={"DATABASE_UNAVAILABLE"})
