"""The few exception classes esafety raises, each with a stable code.

CLI commands turn them into one clear line and a non-zero exit; the web shows a
friendly message and logs the detail.
"""


class EsafetyError(Exception):
    code = "esafety-error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class ConfigurationError(EsafetyError):
    code = "configuration"


class InvalidInput(EsafetyError):
    """Input that cannot be accepted as it is (a bad CSV row, a bad list file...)."""

    code = "invalid-input"


class NotAllowed(EsafetyError):
    """The actor may not do this (wrong role, wrong school, statutory category...)."""

    code = "not-allowed"


class Conflict(EsafetyError):
    """The action does not fit the record's state (already decided, already left...)."""

    code = "conflict"
