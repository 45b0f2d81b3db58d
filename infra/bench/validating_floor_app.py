"""The framework floor (infra/bench/floor_app.py) with one thing more: `POST /registrations`
validates its body with a pydantic model whose e-mail address is checked by email-validator,
as the stack validates every body (pydantic v2; api/schemas.py). Nothing else: no templates, no
logging, no rules. Its cold first answer against the floor's is what validating a body costs
a fresh interpreter at least, whatever the service does besides (docs/performance.md 7.4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel, EmailStr

from infra.bench.floor_app import app


class RegistrationBody(BaseModel):
    """The fields of a registration; nothing checked beyond their JSON types and the address."""

    given_names: str
    family_name: str
    date_of_birth: str
    nationality: str
    email: EmailStr
    language: str
    title_type: str
    title_number: str | None = None
    title_expires_on: date
    privacy_consent: bool
    altcha: str


@app.middleware("http")
def validate_the_body(event: Request, get_response: Callable[[Request], Response]) -> Any:
    if event.method == "POST":
        RegistrationBody.model_validate_json(event.raw_body)
    return get_response(event)
