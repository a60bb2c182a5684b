"""Records of insured persons (dữ liệu quản lý người tham gia BHXH): read from a streamed CSV,
and the match of a declaration against them."""

from openivan.core.records.csvfile import (
    COLUMNS,
    Batch,
    Record,
    RowProblem,
    batches,
    open_csv,
    read_records,
)
from openivan.core.records.matching import (
    MatchResult,
    Mismatch,
    find_and_match,
    match_record,
    names_match,
)

__all__ = [
    "COLUMNS", "Batch", "MatchResult", "Mismatch", "Record", "RowProblem", "batches",
    "find_and_match", "match_record", "names_match", "open_csv", "read_records",
]
