"""Documents staff open are safe (issue 16, item 6): an upload counts only once a safe copy is
made of it (images decoded and encoded anew under a pixel limit, PDFs rebuilt without scripts,
actions, attachments or forms), and that copy is what lies under the key staff download. In the
cloud the sanitiser function makes it (chalicelib/screening.py): S3 puts an event for each
upload on an SQS queue (the notification of infra/resources.json, on moto), the function takes
it (through Chalice's test client, as Lambda's event source would) and writes the copy next to
the upload; the API counts the document once the copy of exactly the version it inspected is
there. Elsewhere the API makes the same copy in process. GuardDuty's malware scan is a second
layer on top. ASVS V12.2 (file integrity), V12.3 (file execution)."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pikepdf
import pytest
from chalice.test import Client
from PIL import Image

from chalicelib import bootstrap
from chalicelib.adapters.safe_copy import PillowPikepdfSanitiser
from chalicelib.config import SAFE_COPY_QUEUE_NAME
from chalicelib.domain.documents import ContentType, UnsafeDocument
from tests.applicant_flow import Applicant, post_form, register
from tests.conftest import REGION, TEST_ENV
from tests.reliability.conftest import Figures

pytestmark = pytest.mark.reliability
BUCKET = TEST_ENV["DOCUMENTS_BUCKET"]
TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "resources.json"
_PEOPLE = iter(range(1000))
IN_PROCESS = "in process"
FUNCTION = "sanitiser function"


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 200, 30)).save(out, format="PNG")
    return out.getvalue()


def flat_png(colour: tuple[int, int, int]) -> bytes:
    """40x30 pixels of one colour, uncompressed: the same size whatever the colour."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG", compress_level=0)
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


def bucket_notifications(queue_arn: str) -> dict[str, Any]:
    """The documents bucket's queue notifications of the template, sent to `queue_arn` (the
    S3 API spells CloudFormation's properties its own way)."""
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    bucket = template["Resources"]["DocumentsBucket"]["Properties"]
    queues = bucket["NotificationConfiguration"]["QueueConfigurations"]
    return {
        "QueueConfigurations": [
            {
                "QueueArn": queue_arn,
                "Events": [queue["Event"]],
                "Filter": {"Key": {"FilterRules": queue["Filter"]["S3Key"]["Rules"]}},
            }
            for queue in queues
        ]
    }


@dataclass
class Screening:
    """How uploads get their safe copies: by the API in process (`deliver` has nothing to do),
    or by the sanitiser function, to which `deliver` hands S3's events from the queue."""

    mode: str
    client: Client
    sqs: Any = None
    queue_url: str = ""

    def deliver(self) -> int:
        """Every message on the queue, one invocation each, as Lambda's event source would
        (batch size 1); how many."""
        delivered = 0
        while self.sqs is not None:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = answer.get("Messages", [])
            if not messages:
                break
            for message in messages:
                event = self.client.events.generate_sqs_event(
                    message_bodies=[message["Body"]], queue_name=SAFE_COPY_QUEUE_NAME
                )
                self.client.lambda_.invoke("make_safe_copy", event)
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                delivered += 1
        return delivered


def screen_with(client: Client, mode: str, screening: str | None = None) -> Screening:
    """Set DOCUMENT_SCREENING for `mode` (before the app builds its document store); for the
    function, the queue and the bucket's notifications of the template."""
    c = bootstrap.container()
    if mode == IN_PROCESS:
        c.settings = replace(c.settings, document_screening=screening or "sanitise")
        return Screening(mode, client)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=SAFE_COPY_QUEUE_NAME)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    boto3.client("s3", region_name=REGION).put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration=bucket_notifications(arn["QueueArn"])
    )
    c.settings = replace(c.settings, document_screening=screening or "sanitiser-function")
    function = Screening(mode, client, sqs, url)
    assert function.deliver() == 1  # S3's test event, which the function ignores
    return function


@pytest.fixture(params=[FUNCTION, IN_PROCESS])
def screening(request: pytest.FixtureRequest, client: Client) -> Screening:
    return screen_with(client, str(request.param))


@pytest.fixture
def scanned(client: Client) -> Iterator[None]:
    """The documents store of GuardDuty's scan alone: a document waits for its verdict tag."""
    screen_with(client, IN_PROCESS, "malware-scan")
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


def safe_copies_left(person: Applicant) -> int:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"safe-copies/{person.registration_id}/")
    return len(listed.get("Contents", []))


def screened(screening: Screening, person: Applicant, document_id: str) -> dict[str, Any]:
    """The document as the applicant sees it once its upload was screened. With the function,
    it is pending until the function made the copy: it counts only once the copy exists."""
    if screening.mode == FUNCTION:
        assert document(person, document_id)["status"] == "pending"
        assert screening.deliver() >= 1
    return document(person, document_id)


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
    screening: Screening, figures: Figures, name: str
) -> None:
    content, content_type = REFUSED[name]
    person = applicant(screening.client)
    document_id = send(person, content, content_type)
    seen = screened(screening, person, document_id)
    figures.add("files.unsafe_refused", tried=1, bad=int(seen["status"] == "verified"))
    assert seen["status"] == "rejected", name
    assert rejection_reason(person, document_id) == "unsafe_content"
    assert stored(person, document_id) is None
    assert uploads_left(person) == 0 and safe_copies_left(person) == 0


def test_a_pdf_that_acts_counts_as_its_rebuilt_copy_without_any_of_it(
    screening: Screening, figures: Figures
) -> None:
    original = active_pdf()
    assert b"app.alert" in original and b"/Launch" in original and b"evil" in original
    person = applicant(screening.client)
    document_id = send(person, original, "application/pdf", kind="passport")
    assert screened(screening, person, document_id)["status"] == "verified"
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
    screening: Screening, figures: Figures
) -> None:
    original = jpeg(120, 80) + b"<?php system($_GET['c']); ?>"
    person = applicant(screening.client)
    document_id = send(person, original, "image/jpeg")
    assert screened(screening, person, document_id)["status"] == "verified"
    safe = stored(person, document_id)
    assert safe is not None and b"<?php" not in safe
    with Image.open(io.BytesIO(safe)) as image:
        assert (image.format, image.size) == ("JPEG", (120, 80))
    figures.add("files.image_reencoded", tried=1, bad=int(b"<?php" in safe))


def test_a_png_and_a_plain_pdf_count_and_staff_get_the_copy(screening: Screening) -> None:
    person = applicant(screening.client)
    picture = send(person, png(300, 200), "image/png")
    paper = send(person, a_page_pdf(), "application/pdf")
    if screening.mode == FUNCTION:
        assert {document(person, d)["status"] for d in (picture, paper)} == {"pending"}
        assert stored(person, picture) is None  # nothing where staff look before the copy
        assert screening.deliver() == 2
    assert document(person, picture)["status"] == "verified"
    assert document(person, paper)["status"] == "verified"
    with Image.open(io.BytesIO(stored(person, picture) or b"")) as image:
        assert (image.format, image.size) == ("PNG", (300, 200))
    with pikepdf.open(io.BytesIO(stored(person, paper) or b"")) as pdf:
        assert len(pdf.pages) == 1
    assert uploads_left(person) == 0 and safe_copies_left(person) == 0


def test_the_pixel_limit_is_checked_before_decoding() -> None:
    sanitiser = PillowPikepdfSanitiser(max_pixels=10_000)
    assert sanitiser.safe_copy(ContentType.PNG, png(100, 100))
    with pytest.raises(UnsafeDocument):
        sanitiser.safe_copy(ContentType.PNG, png(101, 100))


# -- the sanitiser function in particular ---------------------------------------------------


def test_the_copy_that_counts_is_that_of_the_version_inspected_whatever_the_order_of_events(
    client: Client,
) -> None:
    """The same presigned POST used twice: two versions, two events, delivered in reverse.
    Each version's copy has its own key; the one of the version the API inspected counts."""
    screening = screen_with(client, FUNCTION)
    person = applicant(client)
    first_version, second_version = flat_png((255, 0, 0)), flat_png((0, 0, 255))
    assert len(first_version) == len(second_version)  # the POST's policy binds the size
    granted = person.request_upload("other", "image/png", len(first_version), "scan")
    answer = json.loads(granted.body)
    post_form(answer["upload"], first_version, "image/png")
    first = screening.sqs.receive_message(QueueUrl=screening.queue_url)["Messages"][0]
    post_form(answer["upload"], second_version, "image/png")
    assert screening.deliver() == 1  # the second version's event
    screening.sqs.change_message_visibility(
        QueueUrl=screening.queue_url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    assert screening.deliver() == 1  # the first version's, late
    assert document(person, answer["document_id"])["status"] == "verified"
    with Image.open(io.BytesIO(stored(person, answer["document_id"]) or b"")) as image:
        assert image.getpixel((0, 0)) == (0, 0, 255)
    assert safe_copies_left(person) == 0


def test_the_function_ignores_what_is_not_an_upload_and_a_second_delivery_changes_nothing(
    client: Client,
) -> None:
    screening = screen_with(client, FUNCTION)
    s3 = boto3.client("s3", region_name=REGION)
    for body in (
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}),
        "not json",
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {}}}]}),
    ):
        event = client.events.generate_sqs_event([body], queue_name=SAFE_COPY_QUEUE_NAME)
        client.lambda_.invoke("make_safe_copy", event)
    s3.put_object(Bucket=BUCKET, Key="uploads/../../etc", Body=b"%PDF-")
    assert screening.deliver() == 1  # under uploads/, but no key the service grants
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="safe-copies/")
    assert listed.get("KeyCount", 0) == 0
    person = applicant(client)
    document_id = send(person, a_page_pdf(), "application/pdf")
    message = screening.sqs.receive_message(QueueUrl=screening.queue_url)["Messages"][0]
    for _ in range(2):
        event = client.events.generate_sqs_event([message["Body"]], queue_name=SAFE_COPY_QUEUE_NAME)
        client.lambda_.invoke("make_safe_copy", event)
    assert safe_copies_left(person) == 1
    assert document(person, document_id)["status"] == "verified"


def test_a_withdrawal_erases_a_copy_not_yet_counted(client: Client) -> None:
    screening = screen_with(client, FUNCTION)
    person = applicant(client)
    send(person, png(), "image/png")
    assert screening.deliver() == 1
    assert safe_copies_left(person) == 1
    answer = client.http.delete(f"/registrations/{person.registration_id}", headers=person.auth)
    assert answer.status_code == 204, answer.body
    assert safe_copies_left(person) == 0 and uploads_left(person) == 0


def test_in_the_cloud_a_document_counts_with_its_copy_and_a_clean_scan_only(
    client: Client, figures: Figures
) -> None:
    """DOCUMENT_SCREENING=sanitiser-function+malware-scan: both layers must have passed."""
    screening = screen_with(client, FUNCTION, "sanitiser-function+malware-scan")
    s3 = boto3.client("s3", region_name=REGION)
    person = applicant(client)
    clean, infected = (send(person, a_page_pdf(), "application/pdf") for _ in range(2))
    assert screening.deliver() == 2
    assert document(person, clean)["status"] == "pending"  # a copy, no verdict yet
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


def test_a_clean_scan_without_a_copy_does_not_count(client: Client) -> None:
    screen_with(client, FUNCTION, "sanitiser-function+malware-scan")
    s3 = boto3.client("s3", region_name=REGION)
    person = applicant(client)
    document_id = send(person, a_page_pdf(), "application/pdf")
    s3.put_object_tagging(
        Bucket=BUCKET,
        Key=f"uploads/{person.registration_id}/{document_id}",
        Tagging={"TagSet": [{"Key": "GuardDutyMalwareScanStatus", "Value": "NO_THREATS_FOUND"}]},
    )
    assert document(person, document_id)["status"] == "pending"
    assert stored(person, document_id) is None


def test_with_the_scan_alone_a_document_waits_for_it_and_a_finding_refuses_it(
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
