"""unsafe-audit: release audits of unsafe code and pg_sys calls in pgrx extensions."""

__version__ = "0.1.0"
