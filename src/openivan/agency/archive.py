"""Hồ sơ lưu trữ: everything the agency holds as proof of one dossier, in one ZIP that can be
checked away from the platform — for an inspection, a complaint or a court. Read only.

The files are the stored bytes themselves (the unit's signed declaration as received, the
agency's signed answers, the OCSP responses and CRLs that showed the certificates unrevoked),
never a re-serialisation, with a table of contents giving each file's SHA-256. Every entry is
dated at the dossier's reception, so the same dossier always gives the same ZIP bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509 import ocsp

from openivan.agency.models import Dossier
from openivan.agency.services import evidence
from openivan.core.calendar import local, shown

ORIGINAL = "ho-so-goc.xml"
EVIDENCE_KINDS = {"ocsp": "Trả lời OCSP", "crl": "Danh sách thu hồi (CRL)",
                  "der": "Bằng chứng thu hồi"}


@dataclass(frozen=True)
class ArchiveFile:
    name: str
    content: bytes
    what: str  # for the table of contents (Vietnamese, as the officers and inspectors read)


def files_of(dossier: Dossier) -> list[ArchiveFile]:
    files = [ArchiveFile(ORIGINAL, bytes(dossier.signed_bytes),
                         "Tờ khai đã ký của đơn vị và chữ ký của tổ chức I-VAN, đúng từng byte "
                         "như đã nhận")]
    files += [ArchiveFile(f"tra-loi-{answer.kind}.xml", bytes(answer.signed_xml),
                          f"Phản hồi {answer.get_kind_display()} của cơ quan BHXH, đã ký")
              for answer in dossier.answers.all()]
    # Once each: both signatures' chains end in the same root, whose CRL proves both CAs.
    for index, piece in enumerate(dict.fromkeys(evidence.pieces(dossier)), 1):
        kind = _evidence_kind(piece)
        files.append(ArchiveFile(f"thu-hoi/{index:02d}-{kind}.der", piece,
                                 EVIDENCE_KINDS[kind]))
    record = {"number": dossier.number, "provider": dossier.provider.code,
              "message_id": dossier.message_id, "received_at": dossier.received_at.isoformat(),
              "content_sha256": dossier.content_sha256, "signatures": dossier.verification}
    files.append(ArchiveFile("ket-qua-kiem-tra.json",
                             json.dumps(record, ensure_ascii=False, indent=2).encode(),
                             "Kết quả kiểm tra chữ ký, chứng thư số và tình trạng thu hồi lúc "
                             "tiếp nhận"))
    return files


def zip_of(dossier: Dossier) -> bytes:
    files = files_of(dossier)
    stamp = local(dossier.received_at).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in [*files, _contents(dossier, files)]:
            entry = zipfile.ZipInfo(f"{dossier.number}/{file.name}", date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, file.content)
    return buffer.getvalue()


def _contents(dossier: Dossier, files: list[ArchiveFile]) -> ArchiveFile:
    lines = [f"Hồ sơ {dossier.number}, tiếp nhận lúc {shown(dossier.received_at)}",
             "Mỗi dòng: SHA-256, tệp, nội dung.", ""]
    lines += [f"{hashlib.sha256(f.content).hexdigest()}  {f.name}  {f.what}" for f in files]
    lines += ["", f"Kiểm tra chữ ký: openivan xml verify {ORIGINAL} --trust-store <kho chứng thư>",
              "(thêm --revocation off khi kiểm tra ngoại tuyến: tình trạng thu hồi lúc tiếp nhận "
              "nằm trong thư mục thu-hoi/)"]
    return ArchiveFile("muc-luc.txt", ("\n".join(lines) + "\n").encode(), "")


def _evidence_kind(piece: bytes) -> str:
    for kind, load in (("ocsp", ocsp.load_der_ocsp_response), ("crl", x509.load_der_x509_crl)):
        try:
            load(piece)
            return kind
        except ValueError:
            continue
    return "der"
