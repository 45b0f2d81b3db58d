"""The offices the service runs for, with what applicants need to find them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Office:
    office_id: str
    name: str
    address: str


OFFICES: dict[str, Office] = {
    "stuttgart": Office(
        office_id="stuttgart",
        name="Landeshauptstadt Stuttgart, Amt für öffentliche Ordnung, Ausländerbehörde",
        address="Eberhardstraße 39, 70173 Stuttgart",
    ),
}


def office(office_id: str) -> Office:
    try:
        return OFFICES[office_id]
    except KeyError:
        raise ValueError(f"unknown office {office_id!r}") from None
