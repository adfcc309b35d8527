"""The terminal UI of ``unsafe-audit review`` (Textual). Only imported by the review commands."""

from unsafe_audit.tui.app import ReviewApp, make_app

__all__ = ["ReviewApp", "make_app"]
