"""Documents staff open are safe (issue 16, item 6): an upload counts only once a safe copy is
made of it (images decoded and encoded anew under a pixel limit, PDFs rebuilt without scripts,
actions, attachments or forms), and that copy is what lies under the key staff download; or,
in the cloud, once GuardDuty's malware scan tagged it clean. ASVS V12.2 (file integrity), V12.3
(file execution)."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterator
from typing import Any

import boto3
import pikepdf
import pytest
from chalice.test import Client
from PIL import Image

from chalicelib import bootstrap
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.adapters.safe_copy import PillowPikepdfSanitiser
from chalicelib.domain.documents import ContentType, UnsafeDocument
from tests.applicant_flow import Applicant, post_form, register
from tests.conftest import REGION, TEST_ENV, FixedClock
from tests.reliability.conftest import Figures

pytestmark = pytest.mark.reliability
BUCKET = TEST_ENV["DOCUMENTS_BUCKET"]
_PEOPLE = iter(range(1000))


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 200, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) claims other dimensions: a bomb's header."""
    data = bytearray(jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def active_pdf() -> bytes:
    """A one-page PDF that runs JavaScript when opened, launches a program from a link and
    from the catalogue's actions, carries an executable as an attachment and a form."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    script = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('pwned')"))
    )
    launch = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe /c calc"))
    )
    pdf.Root.OpenAction = script
    pdf.Root.AA = pikepdf.Dictionary(WC=launch)
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=script)
    pdf.pages[0].obj.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Link,
                    Rect=[0, 0, 100, 100],
                    A=launch,
                )
            ]
        )
    )
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00evil")
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pikepdf.String("<xdp/>"))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def a_page_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def sanitising(clock: FixedClock) -> Iterator[None]:
    """The documents store of the `sanitise` screening, before the app builds its services."""
    c = bootstrap.container()
    c.documents = S3DocumentStore(
        boto3.client("s3", region_name=REGION), BUCKET, sanitiser=PillowPikepdfSanitiser()
    )
    yield


@pytest.fixture
def scanned(clock: FixedClock) -> Iterator[None]:
    """The documents store of the cloud: a document waits for GuardDuty's verdict tag."""
    c = bootstrap.container()
    c.documents = S3DocumentStore(boto3.client("s3", region_name=REGION), BUCKET, malware_scan=True)
    yield


def applicant(client: Client) -> Applicant:
    n = next(_PEOPLE)
    person = register(
        client, email=f"safe{n}@example.org", date_of_birth=f"19{60 + n % 30}-0{1 + n % 9}-1{n % 9}"
    )
    assert person.post("confirm-email").status_code == 200
    return person


def send(person: Applicant, content: bytes, content_type: str, kind: str = "other") -> str:
    granted = person.request_upload(kind, content_type, len(content), "scan")
    assert granted.status_code == 201, granted.body
    answer = json.loads(granted.body)
    post_form(answer["upload"], content, content_type)
    return str(answer["document_id"])


def document(person: Applicant, document_id: str) -> dict[str, Any]:
    answer = person.get()
    assert answer.status_code == 200, answer.body
    found: dict[str, Any] = next(
        d for d in json.loads(answer.body)["documents"] if d["document_id"] == document_id
    )
    return found


def rejection_reason(person: Applicant, document_id: str) -> str | None:
    """Why the service refused a document (the applicant's view shows only that it did)."""
    registration = bootstrap.container().registrations.get(person.registration_id)
    assert registration is not None
    [found] = [d for d in registration.documents if d.document_id == document_id]
    return found.rejection_reason.value if found.rejection_reason else None


def stored(person: Applicant, document_id: str) -> bytes | None:
    s3 = boto3.client("s3", region_name=REGION)
    key = f"documents/{person.registration_id}/{document_id}"
    try:
        return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def uploads_left(person: Applicant) -> int:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"uploads/{person.registration_id}/")
    return len(listed.get("Contents", []))


REFUSED = {
    "a 5-byte %PDF-": (b"%PDF-", "application/pdf"),
    "%PDF- then HTML": (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "application/pdf"),
    "JPEG magic then PHP": (b"\xff\xd8\xff\xe0<?php system($_GET['c']); ?>", "image/jpeg"),
    "PNG magic then a shell script": (b"\x89PNG\r\n\x1a\n#!/bin/sh\nrm -rf /\n", "image/png"),
    "a JPEG header claiming 65500x65500": (jpeg_claiming(65500, 65500), "image/jpeg"),
    "a JPEG header claiming 20000x20000": (jpeg_claiming(20000, 20000), "image/jpeg"),
    "a truncated JPEG": (jpeg()[:200], "image/jpeg"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_file_no_safe_copy_can_be_made_of_is_refused_and_gone(
    client: Client, sanitising: None, figures: Figures, name: str
) -> None:
    content, content_type = REFUSED[name]
    person = applicant(client)
    document_id = send(person, content, content_type)
    seen = document(person, document_id)
    figures.add("files.unsafe_refused", tried=1, bad=int(seen["status"] == "verified"))
    assert seen["status"] == "rejected", name
    assert rejection_reason(person, document_id) == "unsafe_content"
    assert stored(person, document_id) is None
    assert uploads_left(person) == 0


def test_a_pdf_that_acts_counts_as_its_rebuilt_copy_without_any_of_it(
    client: Client, sanitising: None, figures: Figures
) -> None:
    original = active_pdf()
    assert b"app.alert" in original and b"/Launch" in original and b"evil" in original
    person = applicant(client)
    document_id = send(person, original, "application/pdf", kind="passport")
    assert document(person, document_id)["status"] == "verified"
    safe = stored(person, document_id)
    assert safe is not None
    for trace in (b"app.alert", b"/JavaScript", b"/Launch", b"cmd.exe", b"MZ\x90", b"/XFA"):
        assert trace not in safe, trace
    with pikepdf.open(io.BytesIO(safe)) as pdf:
        assert len(pdf.pages) == 1
        assert not {"/OpenAction", "/AA", "/AcroForm", "/Names"} & set(pdf.Root.keys())
        assert "/Annots" not in pdf.pages[0].obj and "/AA" not in pdf.pages[0].obj
        assert len(pdf.attachments) == 0
    figures.add("files.active_pdf_neutralised", tried=1, bad=0)


def test_an_image_with_a_script_after_its_end_counts_as_its_pixels_only(
    client: Client, sanitising: None
) -> None:
    original = jpeg(120, 80) + b"<?php system($_GET['c']); ?>"
    person = applicant(client)
    document_id = send(person, original, "image/jpeg")
    assert document(person, document_id)["status"] == "verified"
    safe = stored(person, document_id)
    assert safe is not None and b"<?php" not in safe
    with Image.open(io.BytesIO(safe)) as image:
        assert (image.format, image.size) == ("JPEG", (120, 80))


def test_a_png_and_a_plain_pdf_count_and_staff_get_the_copy(
    client: Client, sanitising: None
) -> None:
    person = applicant(client)
    picture = send(person, png(300, 200), "image/png")
    paper = send(person, a_page_pdf(), "application/pdf")
    assert document(person, picture)["status"] == "verified"
    assert document(person, paper)["status"] == "verified"
    with Image.open(io.BytesIO(stored(person, picture) or b"")) as image:
        assert (image.format, image.size) == ("PNG", (300, 200))
    with pikepdf.open(io.BytesIO(stored(person, paper) or b"")) as pdf:
        assert len(pdf.pages) == 1
    assert uploads_left(person) == 0


def test_the_pixel_limit_is_checked_before_decoding() -> None:
    sanitiser = PillowPikepdfSanitiser(max_pixels=10_000)
    assert sanitiser.safe_copy(ContentType.PNG, png(100, 100))
    with pytest.raises(UnsafeDocument):
        sanitiser.safe_copy(ContentType.PNG, png(101, 100))


def test_in_the_cloud_a_document_waits_for_the_malware_scan_and_a_finding_refuses_it(
    client: Client, scanned: None, figures: Figures
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    person = applicant(client)
    clean = send(person, a_page_pdf(), "application/pdf")
    infected = send(person, a_page_pdf(), "application/pdf")
    assert document(person, clean)["status"] == "pending"  # no verdict yet
    for document_id, verdict in ((clean, "NO_THREATS_FOUND"), (infected, "THREATS_FOUND")):
        s3.put_object_tagging(
            Bucket=BUCKET,
            Key=f"uploads/{person.registration_id}/{document_id}",
            Tagging={"TagSet": [{"Key": "GuardDutyMalwareScanStatus", "Value": verdict}]},
        )
    assert document(person, clean)["status"] == "verified"
    refused = document(person, infected)
    assert refused["status"] == "rejected"
    assert rejection_reason(person, infected) == "unsafe_content"
    assert stored(person, infected) is None and uploads_left(person) == 0
    figures.add("files.malware_scan_findings", tried=1, bad=int(refused["status"] == "verified"))
