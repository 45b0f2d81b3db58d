"""Test files that carry a machine-readable zone as plain text (no OCR needed), and the
reader that reads them: a fake of our own DocumentReader port for the API and service tests.
The real reading (tesseract on photographed cards) is tested in tests/documents/."""

from __future__ import annotations

from datetime import date
from typing import Any

from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator

from chalicelib.domain.documents import ContentType
from chalicelib.domain.machine_readable_zone import MachineReadableZone, find_zone, icao_name

PDF_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
ZONE_NAME_LENGTH = 30


def _zone_name(name: str) -> str:
    return icao_name(name).replace(" ", "<")


def zone_lines(
    kind: str,
    *,
    family_name: str,
    given_names: str,
    date_of_birth: date,
    nationality: str,
    expires_on: date,
    number: str = "L01X00T47",
) -> list[str]:
    """The zone of a German residence permit card (TD1, "AR") or a passport (TD3, "P")."""
    birth, expiry = date_of_birth.strftime("%y%m%d"), expires_on.strftime("%y%m%d")
    family, given = _zone_name(family_name), _zone_name(given_names)
    if kind == "residence_title":
        generated = TD1CodeGenerator(
            "AR", "D", number, birth, "F", expiry, nationality, family, given
        )
    else:
        generated = TD3CodeGenerator(
            "P", nationality, family, given, number, nationality, birth, "F", expiry
        )
    return str(generated).splitlines()


def zone_file(lines: list[str]) -> bytes:
    """A file whose magic bytes are a PDF's and whose text holds the zone's lines."""
    return PDF_HEADER + b"\n".join(line.encode("ascii") for line in lines) + b"\n%%EOF\n"


def documents_for(body: dict[str, Any], **changes: Any) -> dict[str, bytes]:
    """A passport and a residence title for a registration body (`changes` alter what the
    documents say, e.g. expires_on=date(2026, 11, 20))."""
    fields = {
        "family_name": body["family_name"],
        "given_names": body["given_names"],
        "date_of_birth": date.fromisoformat(body["date_of_birth"]),
        "nationality": body["nationality"],
        "expires_on": date.fromisoformat(body["title_expires_on"]),
        **({"number": body["title_number"]} if body.get("title_number") else {}),
        **changes,
    }
    passport = {**fields, "expires_on": date(2030, 1, 1), "number": "FP1234567"}
    return {
        "passport": zone_file(zone_lines("passport", **passport)),
        "residence_title": zone_file(zone_lines("residence_title", **fields)),
    }


class ZoneTextReader:
    """Reads the zone that a test file carries as text (tests/zone_documents.py)."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._client = s3_client
        self._bucket = bucket
        self.reads: list[str] = []

    def read_zone(
        self, object_key: str, content_type: ContentType, today: date
    ) -> MachineReadableZone | None:
        self.reads.append(object_key)
        data = self._client.get_object(Bucket=self._bucket, Key=object_key)["Body"].read()
        lines = data.decode("latin-1").splitlines()
        return find_zone(lines, today)
