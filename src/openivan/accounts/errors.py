"""Error codes accounts raises, with their HTTP status where they have their own
(registered with `openivan.core.errors` when the package is imported; the catalogue is
docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "ACCOUNT_NAME_TAKEN": (
        "Tên tài khoản {username} đã thuộc về một tài khoản khác (không phải của đơn vị có MST "
        "này): không cấp mật khẩu; hãy liên hệ quản trị hệ thống.",
        "The account name {username} belongs to another account (not this tax code's unit): "
        "no password issued; contact the administrators.",
    ),
    "LOGIN_LOCKED": (
        "Đăng nhập sai quá nhiều lần; tài khoản tạm khoá {minutes} phút.",
        "Too many failed sign-ins; the account is locked for {minutes} minutes.",
    ),
    "LOGIN_CLIENT_LOCKED": (
        "Có quá nhiều lần đăng nhập sai từ địa chỉ của bạn; vui lòng thử lại sau {minutes} phút.",
        "Too many failed sign-ins from your address; try again in {minutes} minutes.",
    ),
    "OTP_INVALID": (
        "Mã xác thực không đúng hoặc đã hết hạn: hãy nhập mã ứng dụng xác thực đang hiện "
        "(còn {left} lần thử).",
        "The verification code is wrong or has expired: type the code the authenticator app "
        "shows now ({left} tries left).",
    ),
    "OTP_REUSED": (
        "Mã xác thực này đã được dùng: hãy chờ ứng dụng hiện mã mới rồi nhập mã đó "
        "(còn {left} lần thử).",
        "This verification code was already used: wait for the app to show a new one and type "
        "that ({left} tries left).",
    ),
    "OTP_LOCKED": (
        "Nhập sai mã xác thực quá nhiều lần; hãy thử lại sau {minutes} phút, hoặc nhờ quản trị "
        "hệ thống thiết lập lại xác thực hai lớp.",
        "Too many wrong verification codes; try again in {minutes} minutes, or ask an "
        "administrator to reset your two-step verification.",
    ),
    "SECOND_FACTOR_NOT_SET": (
        "Tài khoản {username} chưa thiết lập xác thực hai lớp.",
        "Account {username} has no two-step verification set up.",
    ),
    "SECOND_FACTOR_ALREADY_SET": (
        "Tài khoản {username} đã thiết lập xác thực hai lớp; hãy đăng nhập lại.",
        "Account {username} already has two-step verification set up; sign in again.",
    ),
    "ACCOUNT_UNKNOWN": (
        "Không có tài khoản {username}.",
        "There is no account {username}.",
    ),
}

register(MESSAGES, layer="accounts")
