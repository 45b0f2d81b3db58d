"""The offices the service runs for, with what applicants need to find them.

Each office is one file, `chalicelib/offices/<office_id>.json`: its name and address for the
mails, and every fact the applicant pages show (legal notice, privacy notice, accessibility
statement, help texts). Another office is another file and `OFFICE_ID`, not other pages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

OFFICES_DIR = Path(__file__).resolve().parent.parent / "offices"


@dataclass(frozen=True)
class Office:
    office_id: str
    name: str
    address: str
    # Everything the file says, as written (api/schemas.py OfficeFacts gives it a shape).
    facts: Mapping[str, Any] = field(default_factory=dict, compare=False)


def office_ids() -> list[str]:
    return sorted(path.stem for path in OFFICES_DIR.glob("*.json"))


@cache
def office(office_id: str) -> Office:
    path = OFFICES_DIR / f"{office_id}.json"
    if not office_id.isidentifier() or not path.is_file():
        raise ValueError(f"unknown office {office_id!r}")
    facts: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    facts.pop("_about", None)
    if facts.get("office_id") != office_id:
        raise ValueError(f"{path.name} describes office {facts.get('office_id')!r}")
    return Office(office_id=office_id, name=facts["name"], address=facts["address"], facts=facts)
