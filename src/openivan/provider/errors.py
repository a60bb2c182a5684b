"""Error codes the provider raises, with their HTTP status where they have their own
(registered with `openivan.core.errors` when the package is imported; the catalogue is
docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "UNIT_NOT_FOUND": ("Không tìm thấy đơn vị {tax_code}.", "Unit {tax_code} not found."),
    "UNIT_EXISTS": ("Đơn vị có mã số thuế {tax_code} đã có tài khoản.",
                    "A unit with tax code {tax_code} already has an account."),
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
    "TRANSACTION_STATE": (
        "Giao dịch đang ở trạng thái \u201c{current}\u201d nên không thể chuyển sang "
        "\u201c{target}\u201d.",
        "The transaction is {current}; it cannot become {target}.",
    ),
}

register(MESSAGES, layer="provider")
