"""The printable Mẫu số 01: every field as extractable Vietnamese text (pdftotext), fonts
embedded (pdffonts), the reference code in letters and as a QR code that reads back."""

from __future__ import annotations

import subprocess
import unicodedata

import pytest
import segno
from PIL import Image

from openivan.core import forms_pdf, reference
from openivan.core.errors import OpenIvanError
from tests.core.test_individual_declaration import sample

DECLARATION = sample(filing="TaiCoQuanBHXH",
                     reception_point="Bộ phận một cửa BHXH quận Hoàn Kiếm")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    code = reference.new_reference()
    path = tmp_path_factory.mktemp("pdf") / "mau-01.pdf"
    path.write_bytes(forms_pdf.render_form_01(DECLARATION, code))
    return code, path


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_the_form_is_one_page_with_motto_title_and_every_field_as_text(printed):
    code, path = printed
    assert "Pages:           1" in run("pdfinfo", str(path))
    text = " ".join(run("pdftotext", str(path), "-").split())
    assert unicodedata.is_normalized("NFC", text)
    for expected in (
        "Mẫu số 01", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "TỜ KHAI", "Đăng ký sử dụng phương thức giao dịch điện tử",
        "Kính gửi: BHXH quận Hoàn Kiếm",
        "Họ và tên: NGUYỄN VĂN AN", "Ngày sinh: 17/05/1990", "Giới tính: Nam",
        "Mã số BHXH: 0123456789", "Số Căn cước công dân: 001090000001", "Ngày cấp: 10/04/2021",
        "Nơi cấp: Cục Cảnh sát QLHC về TTXH",
        "Địa chỉ liên hệ: Số 1 Đinh Tiên Hoàng, Hoàn Kiếm, Hà Nội",
        "Số điện thoại di động: 0912345678", "Địa chỉ thư điện tử: an.nguyen@example.vn",
        "Cơ quan BHXH nhận hồ sơ: BHXH quận Hoàn Kiếm",
        "Bộ phận một cửa BHXH quận Hoàn Kiếm",
        "Tra cứu quá trình tham gia BHXH, BHYT, BHTN", "Giải quyết hưởng các chế độ BHXH, BHTN",
        "Hà Nội, ngày 01 tháng 12 năm 2026", "NGƯỜI KÊ KHAI", "(Ký, ghi rõ họ tên)",
        reference.display(code),
    ):
        assert expected in text, expected


def test_every_font_is_embedded(printed):
    _, path = printed
    rows = run("pdffonts", str(path)).splitlines()[2:]
    assert rows
    for row in rows:
        emb = row.split()[-5]  # columns: … emb sub uni object ID
        assert emb == "yes", row


def test_the_qr_code_holds_the_reference_code(printed, tmp_path):
    code, path = printed
    run("pdfimages", "-png", str(path), str(tmp_path / "img"))
    (png,) = sorted(tmp_path.glob("img-*.png"))
    image = Image.open(png).convert("L")
    matrix = segno.make(code, error="m", micro=False).matrix
    size = len(matrix)
    border = 4
    module = image.width / (size + 2 * border)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            x = int((border + c + 0.5) * module)
            y = int((border + r + 0.5) * module)
            assert (image.getpixel((x, y)) < 128) == bool(dark), (r, c)


def test_decomposed_input_prints_composed_vietnamese(tmp_path):
    decomposed = sample(full_name=unicodedata.normalize("NFD", "Trần Thị Bình"),
                        filing="TaiCoQuanBHXH", reception_point="BHXH quận Ba Đình")
    path = tmp_path / "f.pdf"
    path.write_bytes(forms_pdf.render_form_01(decomposed, reference.new_reference()))
    assert "TRẦN THỊ BÌNH" in run("pdftotext", str(path), "-")


def test_a_malformed_reference_code_is_refused_before_printing():
    with pytest.raises(OpenIvanError) as caught:
        forms_pdf.form_01_html(DECLARATION, "<script>")
    assert caught.value.code == "REFERENCE_FORMAT"
