"""Error codes the agency raises, with their HTTP status where they have their own
(registered with `openivan.core.errors` when the package is imported; the catalogue is
docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "UNIT_CODE_REQUIRED": (
        "Đơn vị chưa có mã đơn vị: hãy nhập mã đơn vị cấp mới (1–10 chữ cái in hoa hoặc chữ số) "
        "trước khi chấp nhận hồ sơ.",
        "The unit has no unit code yet: type the new unit code (1 to 10 upper-case letters or "
        "digits) before accepting the dossier.",
    ),
    "CERT_UNREADABLE": (
        "Không đọc được chứng thư số từ tệp {path}: tệp không mở được hoặc không phải chứng thư "
        "dạng PEM hay DER.",
        "No certificate could be read from {path}: the file cannot be opened or is not a PEM or "
        "DER certificate.",
    ),
    "PROVIDER_EXISTS": (
        "Tổ chức I-VAN mã {ivan_code} đã được đăng ký.",
        "An I-VAN provider with code {ivan_code} is already registered.",
    ),
    "PROVIDER_NOT_FOUND": (
        "Không có tổ chức I-VAN mã {ivan_code}.",
        "There is no I-VAN provider with code {ivan_code}.",
    ),
    "PROVIDER_CODE_INVALID": (
        "Mã tổ chức I-VAN (MaIVAN) \"{ivan_code}\" không hợp lệ: từ 1 đến 20 chữ cái hoặc chữ số.",
        "The I-VAN provider code (MaIVAN) \"{ivan_code}\" is invalid: 1 to 20 letters or digits.",
    ),
    "PROVIDER_NAME_INVALID": (
        "Tên tổ chức I-VAN phải có từ 1 đến 200 ký tự.",
        "The I-VAN provider's name must have 1 to 200 characters.",
    ),
    "PROVIDER_CERT_UNKNOWN": (
        "Chữ ký của tổ chức I-VAN {provider} dùng chứng thư số chưa đăng ký với cơ quan BHXH "
        "(SHA-256 {thumbprint}).",
        "The I-VAN provider {provider} countersigned with a certificate not registered with the "
        "agency (SHA-256 {thumbprint}).",
    ),
    "PROVIDER_KEY_OVERLAP_INVALID": (
        "Thời gian giữ khóa API cũ phải từ 0 đến {hours} giờ.",
        "The old API key can be kept for 0 to {hours} hours.",
    ),
    "PROVIDER_CERT_MST": (
        "Chứng thư số {thumbprint} mang mã số thuế {certificate}, không phải của tổ chức I-VAN "
        "({provider}).",
        "Certificate {thumbprint} carries tax code {certificate}, not the I-VAN provider's "
        "({provider}).",
    ),
    "PROVIDER_CERT_EXISTS": (
        "Chứng thư số {thumbprint} đã được đăng ký cho tổ chức I-VAN {ivan_code}.",
        "Certificate {thumbprint} is already registered for I-VAN provider {ivan_code}.",
    ),
    "PROVIDER_CERT_NOT_REGISTERED": (
        "Tổ chức I-VAN {ivan_code} không có chứng thư số {thumbprint}.",
        "I-VAN provider {ivan_code} has no certificate {thumbprint}.",
    ),
    "PROVIDER_CERT_LAST": (
        "Không gỡ được chứng thư số cuối cùng của tổ chức I-VAN {ivan_code}: khi không còn chứng "
        "thư số nào, mọi chứng thư số mang mã số thuế của tổ chức đều được nhận. Hãy đăng ký "
        "chứng thư số mới trước.",
        "The last certificate of I-VAN provider {ivan_code} cannot be removed: with none left, "
        "any certificate carrying its tax code would be accepted. Register the new one first.",
    ),
    "IDEMPOTENCY_KEY_INVALID": (
        "Tiêu đề Idempotency-Key phải gồm 1 đến 64 ký tự chữ, số hoặc . _ : -",
        "The Idempotency-Key header has 1 to 64 letters, digits or . _ : -",
    ),
    "PROVIDER_MISMATCH": (
        "Hồ sơ khai tổ chức I-VAN {declared}, khác với tổ chức đang gửi {authenticated}.",
        "The dossier names I-VAN provider {declared}, not the sender {authenticated}.",
    ),
    "REGISTRATION_NOT_FOUND": (
        "Đơn vị {tax_code} chưa đăng ký giao dịch điện tử qua I-VAN {ivan_code}.",
        "Unit {tax_code} has no e-transaction registration through I-VAN {ivan_code}.",
    ),
    "UNIT_CODE_MISMATCH": (
        "Mã đơn vị {declared} trong tờ khai khác mã đơn vị BHXH đã cấp cho đơn vị {tax_code} "
        "({registered}); hãy khai đúng mã {registered}.",
        "Unit code {declared} in the declaration differs from the unit code the agency gave "
        "unit {tax_code} ({registered}); declare {registered}.",
    ),
    "UNIT_CODE_TAKEN": (
        "Mã đơn vị {unit_code} đã được cấp cho đơn vị có mã số thuế {tax_code}.",
        "Unit code {unit_code} is already the code of the unit with tax code {tax_code}.",
    ),
    "DOSSIER_NOT_FOUND": ("Không tìm thấy hồ sơ {number}.", "Dossier {number} not found."),
    "ANSWER_NOT_YET": (
        "Hồ sơ {number} chưa có thông báo {kind} (trạng thái: {status}); hãy tra cứu lại sau.",
        "Dossier {number} has no {kind} answer yet (status: {status}); look again later.",
    ),
    "ACTIVATION_NOT_FOUND": (
        "Đường dẫn kích hoạt không đúng. Hãy mở lại đường dẫn trong thư xác nhận của BHXH.",
        "This activation link is not valid. Open the link in the agency's email again.",
    ),
    "ACTIVATION_CODE_WRONG": (
        "Mã xác nhận không đúng. Còn {tries_left} lần thử.",
        "The confirmation code is wrong. {tries_left} tries left.",
    ),
    "ACTIVATION_CODE_FORMAT": (
        "Mã xác nhận gồm {length} ký tự chữ và số, như trong thư của BHXH; mã vừa nhập không "
        "đúng dạng đó nên không tính là một lần thử. Còn {tries_left} lần thử.",
        "The confirmation code has {length} letters and digits, as in the agency's email; what "
        "was typed is not of that form, so it did not count as a try. {tries_left} tries left.",
    ),
    "ACTIVATION_EXPIRED": (
        "Mã xác nhận đã hết hiệu lực (quá {hours} giờ). Đơn vị nộp lại tờ khai {form} qua tổ "
        "chức I-VAN để nhận mã mới.",
        "The confirmation code has expired (after {hours} hours). Send the {form} declaration "
        "again through the I-VAN provider to receive a new code.",
    ),
    "ACTIVATION_USED": (
        "Hồ sơ này đã được xác nhận lúc {used_at}; không cần xác nhận lại.",
        "This dossier was already confirmed at {used_at}; nothing more to do.",
    ),
    "ACTIVATION_LOCKED": (
        "Đã nhập sai mã xác nhận {max_tries} lần; mã bị khoá. Đơn vị liên hệ cơ quan BHXH để "
        "được cấp mã mới cho hồ sơ này, hoặc nộp lại tờ khai {form} qua tổ chức I-VAN.",
        "The code was entered wrongly {max_tries} times and is locked. Ask the agency for a "
        "new code for this dossier, or send the {form} declaration again through the I-VAN "
        "provider.",
    ),
    "ACTIVATION_REISSUE_NOT_ALLOWED": (
        "Không cấp được mã xác nhận mới cho hồ sơ {number} ({status}): chỉ cấp lại khi mã đã "
        "bị khoá hoặc hết hiệu lực mà hồ sơ vẫn chờ xác nhận; hồ sơ đã kết thúc thì đơn vị "
        "nộp lại tờ khai.",
        "No new code for dossier {number} ({status}): one is issued only when the code is "
        "locked or has expired while the dossier still waits for it; for a dossier that has "
        "ended, the unit sends its declaration again.",
    ),
    "AGENCY_KEY_UNAVAILABLE": (
        "Cơ quan BHXH tạm thời không ký được phản hồi nên chưa xử lý yêu cầu này; không có gì "
        "được lưu. Vui lòng gửi lại sau ít phút.",
        "The agency cannot sign its answers at the moment, so this request was not processed "
        "and nothing was stored. Please send it again in a few minutes.",
    ),
    "DECISION_NOT_ALLOWED": (
        "Hồ sơ {number} đang ở trạng thái {status}; không thể ra quyết định.",
        "Dossier {number} is {status}; no decision can be taken on it.",
    ),
    "REASON_REQUIRED": (
        "Từ chối hồ sơ phải kèm lý do.",
        "A refusal needs a reason.",
    ),
}

register(MESSAGES, layer="agency", status={"DOSSIER_NOT_FOUND": 404, "ANSWER_NOT_YET": 404},
         outages={"AGENCY_KEY_UNAVAILABLE"})
