"""Error codes the provider raises, with their HTTP status where they have their own
(registered with `openivan.core.errors` when the package is imported; the catalogue is
docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "UNIT_NOT_FOUND": ("Không tìm thấy đơn vị {tax_code}.", "Unit {tax_code} not found."),
    "UNIT_EXISTS": ("Đơn vị có mã số thuế {tax_code} đã có trên hệ thống (có tài khoản, hoặc "
                    "do một công ty dịch vụ quản lý). Hãy đăng nhập, hoặc liên hệ tổ chức "
                    "I-VAN để được cấp quyền.",
                    "A unit with tax code {tax_code} is known already (it has an account, or "
                    "a firm manages it). Sign in, or ask the I-VAN provider for access."),
    "TRANSACTION_NOT_FOUND": ("Không tìm thấy giao dịch {id}.", "Transaction {id} not found."),
    "DRAFT_CHANGED_ELSEWHERE": (
        "Bản khai này vừa được lưu ở nơi khác (một thẻ hoặc người dùng khác). Hãy tải lại trang "
        "để xem bản mới nhất trước khi sửa tiếp.",
        "This draft was just saved elsewhere (another tab or user). Reload the page to see the "
        "latest version before editing it.",
    ),
    "NOT_REGISTERED_YET": (
        "Đơn vị chưa đăng ký IVAN được BHXH chấp nhận, nên chưa điều chỉnh hay ngưng được.",
        "The unit has no registration accepted by the agency yet to change or stop.",
    ),
    "CERTIFICATE_NOT_CHOSEN": ("Chọn chứng thư số để ký.", "Choose the certificate to sign with."),
    "CERTIFICATE_KEY_ABSENT": (
        "Chứng thư số {serial} không có khóa trên máy chủ: hãy ký bằng USB Token hoặc HSM.",
        "Certificate {serial} has no key on the server: sign with the USB token or the HSM.",
    ),
    "SIGNING_CANCELLED": ("Đã hủy ký; bản khai được giữ nguyên để ký lại.",
                          "Signing was cancelled; the declaration is kept to sign again."),
    "SIGNUP_LINK_INVALID": (
        "Đường dẫn xác nhận không đúng hoặc đã quá hạn. Hãy đăng ký lại để nhận thư mới.",
        "The confirmation link is wrong or has expired. Sign up again to get a new email.",
    ),
    "ACCOUNT_NOT_CONFIRMED": (
        "Tài khoản chưa được kích hoạt: hãy bấm đường dẫn trong thư xác nhận đã gửi tới "
        "email đăng ký.",
        "The account is not open yet: follow the link in the confirmation email sent to the "
        "address given at sign-up.",
    ),
    "TRANSACTION_STATE": (
        "Giao dịch đang ở trạng thái \u201c{current}\u201d nên không thể chuyển sang "
        "\u201c{target}\u201d.",
        "The transaction is {current}; it cannot become {target}.",
    ),
}

register(MESSAGES, layer="provider")
