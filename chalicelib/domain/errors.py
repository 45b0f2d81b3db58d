"""Domain errors: each carries the problem `code` and HTTP status it is answered with."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    code = "invalid_state"
    status = 409
    title = "Request cannot be completed"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra: object):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    title = "The request is not valid"


class CorrectionNotOnDocument(ValidationFailed):
    """A correction asked the typed data to become something no read document says."""

    code = "correction_not_on_document"


class MalformedRequest(ValidationFailed):
    status = 400
    title = "The request could not be read"


class UnsupportedMediaType(ValidationFailed):
    status = 415
    title = "Unsupported content type"


class NotEligible(DomainError):
    code = "not_eligible"
    status = 422
    title = "Not yet eligible for an emergency appointment"


class DuplicateRegistration(DomainError):
    code = "duplicate_registration"
    status = 409
    title = "There is already an active registration for this person"

    def __init__(self, detail: str, *, holder_id: str | None = None) -> None:
        super().__init__(detail)
        self.holder_id = holder_id  # the registration holding the person's slot, never shown


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


class InvalidState(DomainError):
    code = "invalid_state"
    status = 409
    title = "Not possible in the registration's current state"


class PassInvalid(DomainError):
    """An entrance pass (the invitation's QR code) this office did not sign, or damaged."""

    code = "pass_invalid"
    status = 422
    title = "Not a valid invitation"


class NotToday(InvalidState):
    """An entrance pass of another day (or office)."""

    code = "not_today"
    title = "Not an invitation for today"


class WindowNotOver(InvalidState):
    """A no-show recorded before the person's arrival window has ended."""

    code = "window_not_over"
    title = "The arrival window has not ended yet"


class DocumentsIncomplete(DomainError):
    code = "documents_incomplete"
    status = 409
    title = "Documents are missing"


class TooManyDocuments(DomainError):
    code = "too_many_documents"
    status = 409
    title = "Too many documents"


class TooManyRegistrations(DomainError):
    """More registrations to one e-mail address in a day than a person makes (issue 16)."""

    code = "too_many_registrations"
    status = 429
    title = "Too many registrations for this e-mail address"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    title = "Too large"


class ServiceUnavailable(DomainError):
    """A dependency is throttling or down; nothing was written, the client may retry."""

    code = "service_unavailable"
    status = 503
    title = "Temporarily unavailable"


@dataclass
class ErrorList:
    """Collects field errors so a request is refused once, with everything wrong in it."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))

    def raise_if_any(self, detail: str = "Some fields are not valid.") -> None:
        if self.errors:
            raise ValidationFailed(detail, errors=self.errors)
