"""Typed errors with stable codes and a message in Vietnamese and in English.

Every refusal the platform makes — by the API, the UI or the CLI — is one of these. The code is
the contract (clients switch on it); the messages are for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# code -> (Vietnamese message, English message). Messages may use {placeholders} filled from
# the error's details.
MESSAGES: dict[str, tuple[str, str]] = {
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
    "UNIT_CODE_REQUIRED": (
        "Đơn vị chưa có mã đơn vị: hãy nhập mã đơn vị cấp mới (1–10 chữ cái in hoa hoặc chữ số) "
        "trước khi chấp nhận hồ sơ.",
        "The unit has no unit code yet: type the new unit code (1 to 10 upper-case letters or "
        "digits) before accepting the dossier.",
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
    "CONTENT_ENCODING_UNSUPPORTED": (
        "Nội dung gửi lên bị nén ({encoding}); hãy gửi tài liệu XML đã ký nguyên vẹn, không "
        "nén (bỏ tiêu đề Content-Encoding).",
        "The body is compressed ({encoding}); send the signed XML as it is, uncompressed "
        "(no Content-Encoding header).",
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
    "CERT_UNREADABLE": (
        "Không đọc được chứng thư số từ tệp {path}: tệp không mở được hoặc không phải chứng thư "
        "dạng PEM hay DER.",
        "No certificate could be read from {path}: the file cannot be opened or is not a PEM or "
        "DER certificate.",
    ),
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
    # agency intake
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
    "MST_MISMATCH": (
        "Mã số thuế trên chứng thư số ({certificate}) không khớp mã số thuế đơn vị ({declared}).",
        "The certificate's tax code ({certificate}) does not match the unit's ({declared}).",
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
    "RATE_LIMITED": (
        "Gửi quá nhiều yêu cầu; thử lại sau {retry_after} giây.",
        "Too many requests; try again in {retry_after} seconds.",
    ),
    "DOSSIER_NOT_FOUND": ("Không tìm thấy hồ sơ {number}.", "Dossier {number} not found."),
    "ANSWER_NOT_YET": (
        "Hồ sơ {number} chưa có thông báo {kind} (trạng thái: {status}); hãy tra cứu lại sau.",
        "Dossier {number} has no {kind} answer yet (status: {status}); look again later.",
    ),
    "API_INVALID_PARAMETER": (
        "Tham số không hợp lệ trong yêu cầu: {problems}.",
        "Invalid parameters in the request: {problems}.",
    ),
    # activation, accounts, decisions
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
    "AUDIT_PRUNE_TOO_RECENT": (
        "Chỉ được xoá nhật ký kiểm toán cũ hơn {days} ngày.",
        "Only audit events older than {days} days may be deleted.",
    ),
    "AGENCY_KEY_UNAVAILABLE": (
        "Cơ quan BHXH tạm thời không ký được phản hồi nên chưa xử lý yêu cầu này; không có gì "
        "được lưu. Vui lòng gửi lại sau ít phút.",
        "The agency cannot sign its answers at the moment, so this request was not processed "
        "and nothing was stored. Please send it again in a few minutes.",
    ),
    "NOTIFICATION_NOT_FAILED": (
        "Chỉ gửi lại được thư đã gửi không thành công; thư này đang chờ gửi hoặc đã gửi.",
        "Only an email that failed can be sent again; this one is waiting or was sent.",
    ),
    "NOTIFICATION_OUTDATED": (
        "Không gửi lại thư này: mã xác nhận trong thư đã hết hiệu lực lúc {at}. Đơn vị cần "
        "nộp lại tờ khai qua I-VAN để nhận mã mới.",
        "This email is not sent again: the confirmation code in it stopped working at {at}. "
        "The unit must send its declaration again through its I-VAN provider for a new code.",
    ),
    "DATA_KEY_UNKNOWN": (
        "Không mở được dữ liệu đã niêm phong: khoá dữ liệu đã được thay mà khoá cũ không còn "
        "trong OPENIVAN_DATA_KEY_FALLBACKS (hoặc SECRET_KEY_FALLBACKS).",
        "Sealed data cannot be opened: the data key was replaced and the old key is not in "
        "OPENIVAN_DATA_KEY_FALLBACKS (or SECRET_KEY_FALLBACKS).",
    ),
    "DATE_INVALID": (
        "Ngày không hợp lệ: {value} (cần dạng YYYY-MM-DD).",
        "Not a date: {value} (expected YYYY-MM-DD).",
    ),
    "DECISION_NOT_ALLOWED": (
        "Hồ sơ {number} đang ở trạng thái {status}; không thể ra quyết định.",
        "Dossier {number} is {status}; no decision can be taken on it.",
    ),
    "REASON_REQUIRED": (
        "Từ chối hồ sơ phải kèm lý do.",
        "A refusal needs a reason.",
    ),
    "CSC_ERROR": (
        "Dịch vụ ký số từ xa trả lỗi: {reason}",
        "The remote signing service answered with an error: {reason}",
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
}


# Codes that say the platform cannot do its part just now, not that the input is wrong: the
# caller may send the same thing again later (HTTP 503 with Retry-After).
OUTAGES = frozenset({"REVOCATION_UNAVAILABLE", "AGENCY_KEY_UNAVAILABLE", "DATABASE_UNAVAILABLE"})


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
