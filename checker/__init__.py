"""qa-check: rule-based quality assurance for Chinese call-center transcripts."""

__version__ = "0.1.0"
