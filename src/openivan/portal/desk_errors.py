"""Error codes of the reception desk and the records import (registered with
`openivan.core.errors` when the package is imported). Apart from portal/errors.py so that the
desk's pieces stay in their own files."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "DESK_DECLARATION_NOT_FOUND": (
        "Không có tờ khai mã tham chiếu {reference}.",
        "There is no declaration with reference code {reference}.",
    ),
    "DESK_NOT_DECIDABLE": (
        "Tờ khai {reference} đang ở trạng thái \"{status}\": không thể chấp nhận hay từ chối.",
        "Declaration {reference} is \"{status}\": it can be neither accepted nor rejected.",
    ),
    "DESK_ID_COPY_REQUIRED": (
        "Hãy kiểm tra giấy tờ tùy thân và đánh dấu \"Đã lưu bản sao giấy tờ tùy thân\" trước khi "
        "chấp nhận.",
        "Check the ID document and tick \"A copy of the ID document was kept\" before accepting.",
    ),
    "DESK_REASONS_REQUIRED": (
        "Không chấp nhận tờ khai phải kèm ít nhất một lý do.",
        "A refusal needs at least one reason.",
    ),
    "DESK_RECEPTION_POINT_UNKNOWN": (
        "Không có điểm tiếp nhận mã {code}.",
        "There is no reception point with code {code}.",
    ),
    "RECORDS_FILE_ENCODING": (
        "Tệp {file} không phải văn bản UTF-8 (dòng {line}): hãy lưu lại tệp CSV với bảng mã "
        "UTF-8.",
        "File {file} is not UTF-8 text (line {line}): save the CSV again as UTF-8.",
    ),
    "RECORDS_FILE_TOO_LARGE": (
        "Tệp {file} lớn hơn {limit_mb} MB, giới hạn tải lên: hãy nhập tệp này bằng lệnh "
        "\"openivan manage import_records\".",
        "File {file} is larger than the {limit_mb} MB upload limit: import it with the "
        "\"openivan manage import_records\" command.",
    ),
    "RECORDS_IMPORT_FAILED": (
        "Không nhập được tệp {file} vì một lỗi không lường trước ({error}); các dòng đã nhập "
        "được giữ lại. Hãy báo bộ phận kỹ thuật rồi nhập lại.",
        "File {file} could not be imported because of an unexpected error ({error}); the rows "
        "already imported are kept. Tell the technical staff, then import it again.",
    ),
    "RECORDS_FILE_MISSING": (
        "Hãy chọn một tệp CSV để nhập.",
        "Choose a CSV file to import.",
    ),
}

register(MESSAGES, layer="portal", status={"DESK_DECLARATION_NOT_FOUND": 404})
