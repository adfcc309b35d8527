"""The error hierarchy: every failure the CLI reports to a user is one of these."""


class UnsafeAuditError(Exception):
    """Base of every error unsafe-audit reports without a traceback."""

    exit_code = 2


class UsageError(UnsafeAuditError):
    """The command line or configuration asks for something that cannot be done."""


class GitError(UnsafeAuditError):
    """A git repository, revision or object could not be read."""


class LedgerError(UnsafeAuditError):
    """The audit ledger is missing, corrupt, conflicted or could not be written."""


class ChecklistError(UnsafeAuditError):
    """A checklist file does not validate."""


class ConfigError(UnsafeAuditError):
    """The repository's configuration (``.unsafe-audit/config.yaml``) does not validate."""
