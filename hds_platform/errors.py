"""Errors raised by services, with a stable code the API and the UI show as they are."""


class ServiceError(Exception):
    """A write refused for a reason a person can act on."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"


class PermissionDenied(ServiceError):
    status_code = 403
    code = "permission_denied"


class RateLimited(ServiceError):
    """Too many of one action in a short time: try again later (``retry_after`` seconds)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after
