"""Domain errors. Every error a user can cause is an ApplicationError: a stable snake_case
`code` that apps switch on, a translated `message`, a `hint` that says how to fix it, and
optional per-field details. The API turns it into {"error": {...}}; the admin shows the
message."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "application_error"
    message = _("The request could not be completed.")
    hint = ""
    status = 400

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        hint: Any = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if hint is not None:
            self.hint = hint
        if status is not None:
            self.status = status
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "hint": str(self.hint),
            "fields": self.fields,
        }


class ValidationFailed(ApplicationError):
    code = "validation_error"
    message = _("Some of the data sent is not valid.")
    hint = _("Correct the fields listed and send the request again.")
    status = 400


class NotFound(ApplicationError):
    code = "not_found"
    message = _("Not found.")
    hint = _("Check the identifier; you can only see your own records.")
    status = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    message = _("You are not allowed to do this.")
    hint = _("Ask a colleague with the required role.")
    status = 403


class Conflict(ApplicationError):
    code = "conflict"
    message = _("The record changed in the meantime.")
    hint = _("Reload and try again.")
    status = 409
