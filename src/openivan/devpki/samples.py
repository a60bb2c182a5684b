"""The demo unit's declarations moved to `openivan.core.samples` (the CLI's `xml build
--sample` uses them, so they ship in the runtime package). Tests and benchmarks still import
them from here."""

from openivan.core.samples import (
    PROVIDER,
    SAMPLES,
    SCAN_PDF,
    UNIT_NAME,
    UNIT_TAX_CODE,
    certificate_block,
    change,
    envelope_for,
    header,
    individual,
    registration,
    scan,
    stop,
)

__all__ = ["PROVIDER", "SAMPLES", "SCAN_PDF", "UNIT_NAME", "UNIT_TAX_CODE", "certificate_block",
           "change", "envelope_for", "header", "individual", "registration", "scan", "stop"]
