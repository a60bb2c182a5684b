"""The printable Mẫu số 01 (01/ĐK-GD) of a person filing at a reception point.

Seed 004, step 3: the person prints the declaration confirmed online, signs it and writes their
name, and brings it to the desk. The page carries the national motto, the title, every declared
field, a place to sign and write one's name, and the reference code in letters and as a QR code
(the officer scans it to find the declaration).

Rendered by WeasyPrint from HTML: it shapes Vietnamese correctly, embeds (subsets of) the fonts
and keeps the text extractable. Fonts: Liberation Serif (Times New Roman metrics, Debian's
fonts-liberation2), DejaVu Serif as fall-back; both cover Vietnamese.
"""

from __future__ import annotations

import base64
import io
import unicodedata
from datetime import date
from html import escape

import segno

from openivan.core.reference import display, parse_reference
from openivan.core.xml.individual import TRANSACTIONS, IndividualRegistration

ID_NAMES = {"CCCD": "Căn cước công dân", "CMND": "Chứng minh nhân dân", "HoChieu": "Hộ chiếu"}
SEX_NAMES = {"Nam": "Nam", "Nu": "Nữ"}
FILING_NAMES = {"ChungThuSo": "Ký số bằng chứng thư số",
                "TaiCoQuanBHXH": "Nộp tại nơi tiếp nhận hồ sơ của cơ quan BHXH"}
TITLE = "TỜ KHAI"
SUBTITLE = ("Đăng ký sử dụng phương thức giao dịch điện tử trong lĩnh vực bảo hiểm xã hội "
            "(dành cho cá nhân)")
PLEDGE = ("Tôi cam đoan những nội dung kê khai trên là đúng sự thật và chịu trách nhiệm trước "
          "pháp luật về những nội dung đã kê khai; cam kết thực hiện đúng các quy định về giao "
          "dịch điện tử trong lĩnh vực bảo hiểm xã hội.")

_CSS = """
@page { size: A4; margin: 14mm 16mm 16mm 22mm;
        @bottom-right { content: "Mã tham chiếu REF – trang " counter(page);
                        font-size: 9pt; } }
body { font-family: "Liberation Serif", "DejaVu Serif", serif; font-size: 12pt;
       line-height: 1.25; }
.form-no { text-align: right; font-weight: bold; margin: 0; }
.motto { text-align: center; margin: 2mm 0 6mm; }
.motto p { margin: 0; }
.motto .nation { font-weight: bold; }
.motto .line { font-weight: bold; text-decoration: underline; }
h1 { text-align: center; font-size: 15pt; margin: 0; }
.subtitle { text-align: center; font-weight: bold; margin: 1mm 0 5mm; }
.to { text-align: center; margin-bottom: 4mm; }
ol { padding-left: 6mm; margin: 0; }
ol li { margin: 0.8mm 0; }
ul { list-style-type: "– "; margin: 0; padding-left: 6mm; }
.label { font-weight: normal; }
.value { font-weight: bold; }
.pledge { margin-top: 4mm; text-align: justify; }
.bottom { display: flex; justify-content: space-between; margin-top: 4mm;
          break-inside: avoid; }
.qr { width: 40mm; text-align: center; font-size: 10pt; }
.qr img { width: 34mm; height: 34mm; }
.sign { width: 80mm; text-align: center; }
.sign .who { font-weight: bold; margin: 0; }
.sign .how { font-style: italic; margin: 0; }
.sign .space { height: 24mm; }
.sign .name-line { border-top: 1px dotted #000; margin: 0 8mm; padding-top: 1mm;
                   font-size: 10pt; font-style: italic; }
"""


def qr_png(reference: str, scale: int = 6, border: int = 4) -> bytes:
    """The reference code as a QR code (PNG): what the desk's scanner reads."""
    out = io.BytesIO()
    segno.make(reference, error="m", micro=False).save(out, kind="png", scale=scale,
                                                       border=border)
    return out.getvalue()


def _date_vn(day: date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def form_01_html(declaration: IndividualRegistration, reference: str) -> str:
    """The page as HTML (also what the portal may show before printing)."""
    d = declaration
    e = escape
    transactions = "".join(f"<li>{e(TRANSACTIONS.get(t.code, t.code))}</li>"
                           for t in d.transactions)
    filing = FILING_NAMES.get(d.filing, d.filing)
    if d.reception_point:
        filing += f" – {d.reception_point}"
    rows = [
        ("Họ và tên", d.full_name.upper()),
        ("Ngày sinh", d.birth_date.strftime("%d/%m/%Y")),
        ("Giới tính", SEX_NAMES.get(d.sex, d.sex)),
        ("Mã số BHXH", d.bhxh_number),
        (f"Số {ID_NAMES.get(d.id_type, d.id_type)}", d.id_number),
        ("Ngày cấp", d.id_issued_on.strftime("%d/%m/%Y")),
        ("Nơi cấp", d.id_issued_by),
        ("Địa chỉ liên hệ", d.address),
        ("Số điện thoại di động", d.mobile),
        ("Địa chỉ thư điện tử", d.email or "(không có)"),
        ("Cơ quan BHXH nhận hồ sơ", d.agency),
        ("Hình thức nộp hồ sơ", filing),
    ]
    items = "".join(f'<li><span class="label">{e(label)}:</span> '
                    f'<span class="value">{e(value)}</span></li>' for label, value in rows)
    code = display(parse_reference(reference))  # its alphabet is safe inside CSS and HTML
    qr = base64.b64encode(qr_png(reference)).decode("ascii")
    html = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Mẫu số 01 – {e(code)}</title>
<style>{_CSS.replace("REF", code)}</style></head>
<body>
<p class="form-no">Mẫu số 01</p>
<div class="motto"><p class="nation">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p>
<p class="line">Độc lập - Tự do - Hạnh phúc</p></div>
<h1>{TITLE}</h1>
<p class="subtitle">{e(SUBTITLE)}</p>
<p class="to">Kính gửi: {e(d.agency)}</p>
<ol>{items}
<li><span class="label">Các giao dịch đề nghị thực hiện bằng phương thức điện tử:</span>
<ul>{transactions}</ul></li></ol>
<p class="pledge">{e(PLEDGE)}</p>
<div class="bottom">
<div class="qr"><img src="data:image/png;base64,{qr}" alt="QR {e(code)}">
<p>Mã tham chiếu<br><b>{e(code)}</b></p></div>
<div class="sign"><p>{e(d.place)}, {_date_vn(d.declared_on)}</p>
<p class="who">NGƯỜI KÊ KHAI</p><p class="how">(Ký, ghi rõ họ tên)</p>
<div class="space"></div><p class="name-line">Họ và tên</p></div>
</div>
</body></html>"""
    return unicodedata.normalize("NFC", html)


def render_form_01(declaration: IndividualRegistration, reference: str) -> bytes:
    """The PDF bytes of Mẫu số 01 for `declaration` with its reference code."""
    from weasyprint import HTML  # heavy import: only where a PDF is made

    pdf = HTML(string=form_01_html(declaration, reference)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
