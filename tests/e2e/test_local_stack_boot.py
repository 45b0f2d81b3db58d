"""The local stack boots: emulated resources, a listening API, the outbox, and a clean stop."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.message import EmailMessage
from pathlib import Path

import pytest

from infra.chalice_local import OVERRIDES_VARIABLE
from infra.local_stack import (
    REGION,
    REPO_ROOT,
    LocalStack,
    LocalStackError,
    accepts_connections,
    first_link,
    free_ports,
    parse_mail,
    stage_environment,
    wait_until,
)

pytestmark = pytest.mark.e2e

BOOT_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def test_the_table_exists_with_its_queue_index(local_stack: LocalStack) -> None:
    table = local_stack.client("dynamodb").describe_table(
        TableName=local_stack.resources.table_name
    )["Table"]

    assert table["TableStatus"] == "ACTIVE"
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["queue"]


def test_the_table_name_comes_from_the_local_stage(local_stack: LocalStack) -> None:
    stage = stage_environment()

    assert local_stack.resources.table_name == stage["TABLE_NAME"]
    assert local_stack.resources.documents_bucket == stage["DOCUMENTS_BUCKET"]
    assert local_stack.resources.mail_sender == stage["MAIL_SENDER"]


def test_the_documents_bucket_exists_with_cors_for_the_form(local_stack: LocalStack) -> None:
    s3 = local_stack.client("s3")
    bucket = local_stack.resources.documents_bucket

    location = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"]
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]

    assert location == REGION
    # The stage's form origin, and the one this session serves the form on.
    assert rules[0]["AllowedOrigins"] == ["http://127.0.0.1:8080", local_stack.web_url]
    assert set(rules[0]["AllowedMethods"]) == {"POST", "GET", "PUT"}


def test_the_sender_is_verified(local_stack: LocalStack) -> None:
    sender = local_stack.resources.mail_sender

    v1 = local_stack.client("ses").get_identity_verification_attributes(Identities=[sender])
    v2 = local_stack.client("sesv2").get_email_identity(EmailIdentity=sender)

    assert v1["VerificationAttributes"][sender]["VerificationStatus"] == "Success"
    assert v2["VerificationStatus"] == "SUCCESS"


def test_the_api_accepts_connections(local_stack: LocalStack) -> None:
    assert accepts_connections(local_stack.api_port)
    assert local_stack.api_url == f"http://127.0.0.1:{local_stack.api_port}"


def test_a_raw_mail_shows_up_in_the_outbox(local_stack: LocalStack) -> None:
    subject = f"Bitte bestätigen {uuid.uuid4().hex}"
    link = f"http://127.0.0.1:8080/status.html#id={uuid.uuid4().hex}&token=abc"
    mime = EmailMessage()
    mime["From"] = local_stack.resources.mail_sender
    mime["To"] = "applicant@example.org"
    mime["Subject"] = subject
    mime.set_content(f"Guten Tag,\n\nbitte öffnen Sie {link}.\n")
    mime.add_alternative(f'<p><a href="{link}">Öffnen</a></p>', subtype="html")

    local_stack.client("sesv2").send_email(
        FromEmailAddress=local_stack.resources.mail_sender,
        Destination={"ToAddresses": ["applicant@example.org"]},
        Content={"Raw": {"Data": mime.as_bytes()}},
    )

    mail = wait_until(
        lambda: _with_subject(local_stack, subject), timeout=10, what="the mail in the outbox"
    )
    assert mail["To"] == "applicant@example.org"
    assert mail.get_content_type() == "multipart/alternative"
    assert first_link(mail) == link
    saved = [path for path in local_stack.outbox_dir.glob("*.eml") if subject in _subject(path)]
    assert len(saved) == 1
    assert re.fullmatch(r"\d{8}T\d{12}Z-[A-Za-z0-9._-]+\.eml", saved[0].name)


def test_a_simple_mail_shows_up_in_the_outbox_too(local_stack: LocalStack) -> None:
    subject = f"Simple {uuid.uuid4().hex}"

    local_stack.client("sesv2").send_email(
        FromEmailAddress=local_stack.resources.mail_sender,
        Destination={"ToAddresses": ["applicant@example.org"]},
        Content={
            "Simple": {
                "Subject": {"Data": subject},
                "Body": {"Text": {"Data": "Link: https://example.org/x"}},
            }
        },
    )

    mail = wait_until(
        lambda: _with_subject(local_stack, subject), timeout=10, what="the mail in the outbox"
    )
    assert mail["To"] == "applicant@example.org"
    assert first_link(mail) == "https://example.org/x"


def test_stop_leaves_nothing_listening(tmp_path: Path) -> None:
    moto_port, api_port, web_port = free_ports(3)
    stack = LocalStack(
        moto_port, api_port, {}, tmp_path / "outbox", log_dir=tmp_path / "log", web_port=web_port
    )
    stack.start()
    try:
        pids = stack.pids
        assert accepts_connections(moto_port)
        assert accepts_connections(api_port)
        assert accepts_connections(web_port)
    finally:
        stack.stop()

    assert not accepts_connections(moto_port)
    assert not accepts_connections(api_port)
    assert not accepts_connections(web_port)
    assert set(pids) == {"emulation", "api", "reader"}
    for pid in pids.values():
        assert not _alive(pid)


def test_a_busy_port_is_refused_before_anything_starts(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    (api_port,) = free_ports(1)
    stack = LocalStack(local_stack.moto_port, api_port, {}, tmp_path / "outbox")

    with pytest.raises(LocalStackError, match="already in use"):
        stack.start()

    assert stack.pids == {}
    assert not accepts_connections(api_port)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_command_stops_everything_on_a_signal(tmp_path: Path, signum: int) -> None:
    with _command(tmp_path) as (process, ports, pids, banner):
        # The banner names the web form first: it is what a person opens.
        assert f"Web form   http://127.0.0.1:{ports[2]}/" in banner
        assert accepts_connections(ports[2])
        # The staff API's demo users, how to get a token, and the schedules, which run.
        assert "Staff API  demo users admin and staff" in banner
        assert f"token staff --endpoint-url http://127.0.0.1:{ports[0]}" in banner
        assert f"http://127.0.0.1:{ports[1]}/staff/queue" in banner
        assert "allocation 07:45 Mon/Tue/Wed/Fri, 10:15 Thu" in banner
        assert "at their times" in banner
        process.send_signal(signum)
        assert process.wait(timeout=STOP_TIMEOUT) == 0

    assert not any(accepts_connections(port) for port in ports)
    assert not any(_alive(pid) for pid in pids.values())


def test_the_command_stops_the_rest_when_a_process_dies(tmp_path: Path) -> None:
    with _command(tmp_path) as (process, ports, pids, _):
        os.kill(pids["emulation"], signal.SIGKILL)
        assert process.wait(timeout=STOP_TIMEOUT) == 1

    assert not accepts_connections(ports[1])
    assert not accepts_connections(ports[2])
    assert not _alive(pids["api"])


def test_overrides_win_over_the_stage_config_in_chalice_local(tmp_path: Path) -> None:
    # A throwaway project: this checks infra/chalice_local.py, not the service's routes.
    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_bytes(
        (REPO_ROOT / ".chalice" / "config.json").read_bytes()
    )
    (tmp_path / "app.py").write_text(
        "import os\n"
        "from chalice import Chalice\n"
        "app = Chalice(app_name='probe')\n"
        "@app.route('/env')\n"
        "def env():\n"
        "    return {k: os.environ.get(k) for k in ('WEB_BASE_URL', 'TABLE_NAME')}\n",
        encoding="utf-8",
    )
    (port,) = free_ports(1)
    environment = {
        **os.environ,
        "WEB_BASE_URL": "http://form.test",
        "TABLE_NAME": "not-this-one",
        OVERRIDES_VARIABLE: "WEB_BASE_URL",
    }
    command = [sys.executable, "-m", "infra.chalice_local", "--project-dir", str(tmp_path)]
    command += ["local", "--no-autoreload", "--stage", "local", "--port", str(port)]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: process.poll() is not None or accepts_connections(port),
            timeout=BOOT_TIMEOUT,
            what="the probe app",
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/env")
        seen = json.loads(connection.getresponse().read())
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=STOP_TIMEOUT)

    assert seen == {"WEB_BASE_URL": "http://form.test", "TABLE_NAME": "notfalltermin-local"}


def test_the_api_environment_points_at_the_emulation(local_stack: LocalStack) -> None:
    environment = local_stack.api_environment()

    assert environment["AWS_ENDPOINT_URL"] == local_stack.endpoint_url
    assert environment["AWS_DEFAULT_REGION"] == REGION
    assert environment["AWS_ACCESS_KEY_ID"] == "testing"
    assert "AWS_PROFILE" not in environment
    assert "AWS_ENDPOINT_URL" in environment[OVERRIDES_VARIABLE].split(",")


# --- helpers ----------------------------------------------------------------------------


def _with_subject(stack: LocalStack, subject: str) -> EmailMessage | None:
    return next((mail for mail in stack.outbox_messages() if mail["Subject"] == subject), None)


def _subject(path: Path) -> str:
    return str(parse_mail(path.read_bytes())["Subject"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def _command(
    tmp_path: Path,
) -> Iterator[tuple[subprocess.Popen[bytes], tuple[int, int, int], dict[str, int], str]]:
    """`python -m infra.local_stack` on free ports, running: ports, pids and its banner."""
    moto_port, api_port, web_port = free_ports(3)
    output = tmp_path / "command.out"
    command = [sys.executable, "-m", "infra.local_stack", "--moto-port", str(moto_port)]
    command += ["--api-port", str(api_port), "--web-port", str(web_port)]
    command += ["--outbox", str(tmp_path / "outbox")]
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=sink, stderr=subprocess.STDOUT)
    pids: dict[str, int] = {}
    try:
        banner = wait_until(
            lambda: _banner(output, process), timeout=BOOT_TIMEOUT, what="the banner"
        )
        pids = {
            "api": int(re.findall(r"API .*pid (\d+)", banner)[0]),
            "emulation": int(re.findall(r"Emulation .*pid (\d+)", banner)[0]),
        }
        yield process, (moto_port, api_port, web_port), pids, banner
    finally:
        if process.poll() is None:  # the test failed before the command ended: clean up
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
            for pid in pids.values():
                with suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


def _banner(output: Path, process: subprocess.Popen[bytes]) -> str | None:
    text = output.read_text(encoding="utf-8", errors="replace")
    if process.poll() is not None:
        raise AssertionError(f"the command ended early ({process.returncode}):\n{text}")
    return text if "Ctrl-C" in text else None
