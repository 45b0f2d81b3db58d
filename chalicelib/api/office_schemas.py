"""The office's public facts and retention periods (GET /office), as the pages show them."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from chalicelib.api.schemas import ResponseModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = str


class FactsModel(ResponseModel):
    # An office file with a misspelt or unknown key is refused, not silently half shown.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class PhoneHours(FactsModel):
    days: list[Weekday] = Field(min_length=1)
    from_: ClockTime = Field(alias="from", pattern=r"^\d{2}:\d{2}$")
    to: ClockTime = Field(pattern=r"^\d{2}:\d{2}$")

    model_config = ConfigDict(extra="forbid", defer_build=True, serialize_by_alias=True)


class DataProtectionOfficer(FactsModel):
    name: str
    address: str
    email: str


class SupervisoryAuthority(FactsModel):
    name: str
    address: str
    website: str


class Processor(FactsModel):
    name: str
    address: str


class AccessibilityContacts(FactsModel):
    statement_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    feedback_email: str
    feedback_phone: str
    enforcement_body: str
    enforcement_address: str
    enforcement_website: str


class OfficeFacts(FactsModel):
    """One office file, chalicelib/offices/<office_id>.json."""

    office_id: str
    name: str
    short_name: str
    names: dict[str, str] = Field(
        description="The office's short name in each language the pages offer (header, titles)"
    )
    address: str
    authority: str
    legal_form: str
    represented_by: str
    content_responsible: str
    oversight_authority: str
    phone: str
    phone_hours: list[PhoneHours]
    email: str
    website: str
    regular_appointments_url: str
    data_protection_officer: DataProtectionOfficer
    supervisory_authority: SupervisoryAuthority
    processor: Processor
    accessibility: AccessibilityContacts
    sign_language_video_url: str | None
    unverified: list[str] = Field(
        description="Facts that are placeholders still to be replaced by the office's own."
    )


class RetentionDays(ResponseModel):
    """Days each kind of data is kept, as the nightly purge and the stores apply them."""

    finished_registration: int = Field(description="after a final status (RETENTION_DAYS)")
    unconfirmed_registration: int = Field(description="e-mail address never confirmed")
    unsubmitted_registration: int = Field(description="documents never submitted")
    identity_hold: int = Field(description="after a rejection for false data")
    audit_entries: int = Field(description="staff access and decisions")
    backups: int = Field(description="DynamoDB point-in-time recovery")
    abandoned_uploads: int = Field(description="an upload never judged")


class OfficeView(ResponseModel):
    office: OfficeFacts
    region: str = Field(description="the AWS region that stores the data")
    retention_days: RetentionDays
