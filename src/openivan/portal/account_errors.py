"""Error codes of the individuals' accounts: sign-in with the mã số BHXH or an ID number, and
"quên mật khẩu" by a code sent by SMS (registered with `openivan.core.errors` when imported:
portal.services.accounts imports this module). Kept apart from the portal's other codes so that
the pieces built at the same time stay in their own files; merge into portal/errors.py when
convenient."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "PORTAL_IDENTIFIER_FORMAT": (
        "Hãy nhập mã số BHXH (10 chữ số) hoặc số CCCD (12 chữ số) / CMND (9 chữ số).",
        "Type the BHXH number (10 digits) or the CCCD (12 digits) / CMND (9 digits) number.",
    ),
    "PORTAL_RESET_DAILY_LIMIT": (
        "Tài khoản này đã được gửi {limit} mã khôi phục mật khẩu qua SMS trong 24 giờ qua; "
        "hãy dùng mã đã nhận, thử lại sau {hours} giờ, hoặc liên hệ cơ quan BHXH gần nhất "
        "hoặc tổng đài {hotline}.",
        "This account was sent {limit} password reset codes by SMS in the last 24 hours; use "
        "a code already received, try again in {hours} hours, or contact the nearest BHXH "
        "office or the hotline {hotline}.",
    ),
    "PORTAL_RESET_CLIENT_LIMIT": (
        "Có quá nhiều yêu cầu khôi phục mật khẩu từ địa chỉ của bạn; vui lòng thử lại sau "
        "{minutes} phút.",
        "Too many password reset requests from your address; try again in {minutes} "
        "minutes.",
    ),
    "PORTAL_RESET_CODE_INVALID": (
        "Mã khôi phục không đúng (còn {left} lần thử). Hãy nhập mã trong tin nhắn SMS mới "
        "nhất.",
        "The reset code is wrong ({left} tries left). Type the code of the latest SMS.",
    ),
    "PORTAL_RESET_CODE_EXPIRED": (
        "Mã khôi phục đã hết hạn, đã dùng, hoặc nhập sai quá nhiều lần; hãy yêu cầu mã mới.",
        "The reset code has expired, was used, or was mistyped too many times; ask for a new "
        "one.",
    ),
    "PORTAL_PROVIDER_UNKNOWN": (
        "Không có cách đăng nhập \"{provider}\".",
        "There is no sign-in method \"{provider}\".",
    ),
    "PORTAL_IDENTITY_NO_ACCOUNT": (
        "{provider} xác nhận số giấy tờ {id_number}, nhưng chưa có tài khoản giao dịch điện tử "
        "nào với số này: hãy đăng ký (tờ khai 01/ĐK-GD) trước.",
        "{provider} confirmed the ID number {id_number}, but no e-transaction account has "
        "this number: register first (declaration 01/ĐK-GD).",
    ),
}

register(MESSAGES, layer="portal", status={
    "PORTAL_IDENTIFIER_FORMAT": 422, "PORTAL_RESET_DAILY_LIMIT": 429,
    "PORTAL_RESET_CLIENT_LIMIT": 429, "PORTAL_RESET_CODE_INVALID": 422,
    "PORTAL_RESET_CODE_EXPIRED": 422, "PORTAL_PROVIDER_UNKNOWN": 404,
    "PORTAL_IDENTITY_NO_ACCOUNT": 403})
