"""Report writers, one plug-in per output, all fed the same stream of CallResults and errors."""

from .base import WRITERS, ReportOptions, ReportWriter, write_reports
from . import tables  # noqa: F401  (registers the CSV/JSONL writers)
from . import summary  # noqa: F401  (registers agents.csv, report.xlsx, index.html, agents/; runs last)
from . import parquet_out  # noqa: F401  (registers calls.parquet, findings.parquet)

__all__ = ["WRITERS", "ReportOptions", "ReportWriter", "write_reports"]
