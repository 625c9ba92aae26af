"""qa-check: rule-based quality assurance for Chinese call-center transcripts."""
__version__ = "0.1.0"

from ._compiled import use_sources_where_needed as _use_sources

_use_sources()  # before any compiled module is imported: a changed source runs as Python (see `_compiled`)
