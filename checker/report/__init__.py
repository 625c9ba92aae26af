"""Report writers, one plug-in per output, all fed the same stream of CallResults and errors."""
from .base import WRITERS, ReportWriter, write_reports  # noqa: F401
from . import tables  # noqa: F401  (registers the CSV/JSONL writers)

__all__ = ["WRITERS", "ReportWriter", "write_reports"]
