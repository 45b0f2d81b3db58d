"""The service on this machine: moto server, the stage's resources and staff pool, `chalice
local`, an outbox, the applicant web form, and the schedules (allocation, end of day)."""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any, Self, TypeVar
from urllib.parse import urlsplit

import boto3

from chalicelib.config import (
    ALLOWED_ORIGINS,
    DOCUMENTS_BUCKET,
    MAIL_SENDER,
    READ_QUEUE_NAME,
    READ_QUEUE_URL,
    TABLE_NAME,
    WEB_BASE_URL,
)
from chalicelib.domain.calendar import OFFICE_TZ
from infra import local_cognito
from infra.chalice_local import OVERRIDES_VARIABLE
from infra.local_scheduler import DueRun, Invocation, due_runs, run_spec, utc_text
from infra.local_secrets import create_stage_secrets
from infra.staff_console import CognitoSettings, StaffConsoleServer
from infra.table import create_table
from infra.web_form import FormServer

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REGION = "eu-central-1"
STAGE = "local"
DEFAULT_MOTO_PORT = 5000
DEFAULT_API_PORT = 8000
DEFAULT_WEB_PORT = 8080
DEFAULT_STAFF_PORT = 8081
# Dummy credentials: the emulation accepts any; real ones must never reach it.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Variables of a developer's shell that would send boto3 to a real profile or session.
_DROPPED_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
)
_STOP_TIMEOUT = 10.0
_OUTBOX_INTERVAL = 0.5
# How often the schedules look at the clock: EventBridge rules fire to the minute, and a run
# delivered seconds late still acts (chalicelib/jobs.py judges by the event's time).
_SCHEDULE_INTERVAL = 15.0
_SCHEDULED_RUN_TIMEOUT = 300.0
_LINK = re.compile(r"https?://[^\s<>\"'`]+")

_T = TypeVar("_T")


class LocalStackError(RuntimeError):
    """The local stack could not start, or a part of it stopped."""


def free_ports(count: int, host: str = HOST) -> list[int]:
    """Ports nothing listens on now; all sockets stay open until each is picked, so they differ."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]


def wait_until(
    condition: Callable[[], _T | None],
    *,
    timeout: float,
    interval: float = 0.1,
    what: str = "a condition",
) -> _T:
    """Poll `condition` until it returns something truthy and return that, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"gave up after {timeout:g}s waiting for {what}")
        time.sleep(min(interval, remaining))


def accepts_connections(port: int, host: str = HOST) -> bool:
    """Whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def stage_environment(project_dir: Path = REPO_ROOT, stage: str = STAGE) -> dict[str, str]:
    """The environment variables a Chalice stage sets: the top level's, then the stage's."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text(encoding="utf-8"))
    variables: dict[str, str] = dict(config.get("environment_variables", {}))
    variables.update(config["stages"][stage].get("environment_variables", {}))
    return variables


@dataclass(frozen=True)
class StageResources:
    """Names of the emulated resources, as the stage's configuration spells them."""

    table_name: str
    documents_bucket: str
    mail_sender: str
    web_origins: tuple[str, ...]

    @classmethod
    def from_environment(
        cls, stage: Mapping[str, str], overrides: Mapping[str, str]
    ) -> StageResources:
        effective = {**stage, **overrides}
        bases = [stage.get(WEB_BASE_URL, ""), effective.get(WEB_BASE_URL, "")]
        origins = tuple(dict.fromkeys(_origin(base) for base in bases if base))
        return cls(
            table_name=effective[TABLE_NAME],
            documents_bucket=effective[DOCUMENTS_BUCKET],
            mail_sender=effective[MAIL_SENDER],
            web_origins=origins,
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- the outbox ---------------------------------------------------------------------------


def fetch_emulation_data(port: int, host: str = HOST, timeout: float = 5.0) -> dict[str, Any]:
    """moto's model dump, `GET /moto-api/data.json`: {service: {ModelClass: [attributes]}}."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/moto-api/data.json")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise LocalStackError(f"the emulation answered {response.status} for its data")
    data: dict[str, Any] = json.loads(body)
    return data


@dataclass(frozen=True)
class SentMail:
    """One mail the emulated SES accepted: moto's message id, the MIME bytes, the recipients."""

    message_id: str
    mime: bytes
    recipients: tuple[str, ...]


def sent_mails(data: Mapping[str, Any]) -> list[SentMail]:
    """The mails in moto's data dump.

    SESv2 `send_email` with Raw content (what the app does) and SES `send_raw_email` are
    kept as `ses.RawMessage` {id, source, destinations: [...], raw_data: MIME text};
    Simple content as `ses.Message` {id, source, subject, body, destinations: {ToAddresses,
    ...}}; templated mail as `ses.TemplateMessage` {id, source, template, template_data,
    destinations}. The latter two are turned into a small MIME message here.
    """
    ses = data.get("ses")
    if not isinstance(ses, Mapping):
        return []
    mails: list[SentMail] = []
    for entry in _entries(ses, "RawMessage"):
        raw = entry.get("raw_data")
        if isinstance(raw, str):
            mails.append(SentMail(str(entry["id"]), _encode(raw), _addresses(entry)))
    for entry in _entries(ses, "Message"):
        subject = str(entry.get("subject") or "")
        mails.append(_composed(entry, subject, str(entry.get("body") or "")))
    for entry in _entries(ses, "TemplateMessage"):
        subject = f"(SES template {entry.get('template')})"
        mails.append(_composed(entry, subject, str(entry.get("template_data") or "")))
    return mails


def _entries(ses: Mapping[str, Any], model: str) -> Iterator[Mapping[str, Any]]:
    entries = ses.get(model)
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and entry.get("id"):
            yield entry


def _encode(raw: str) -> bytes:
    try:
        return raw.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return raw.encode("utf-8", errors="replace")


def _addresses(entry: Mapping[str, Any]) -> tuple[str, ...]:
    destinations = entry.get("destinations")
    found: list[str] = []
    if isinstance(destinations, Mapping):
        for key in ("ToAddresses", "CcAddresses", "BccAddresses"):
            found.extend(str(address) for address in destinations.get(key) or [])
    elif isinstance(destinations, list):
        found.extend(str(address) for address in destinations)
    return tuple(dict.fromkeys(found))


def _composed(entry: Mapping[str, Any], subject: str, body: str) -> SentMail:
    recipients = _addresses(entry)
    message = EmailMessage()
    message["From"] = _one_line(str(entry.get("source") or ""))
    message["To"] = _one_line(", ".join(recipients))
    message["Subject"] = _one_line(subject)
    looks_like_html = body.lstrip().startswith("<")
    message.set_content(body, subtype="html" if looks_like_html else "plain")
    return SentMail(str(entry["id"]), message.as_bytes(), recipients)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def parse_mail(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


def first_link(message: EmailMessage) -> str | None:
    """The first http(s) link of the text part, else of the HTML part."""
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        if not isinstance(part, EmailMessage):
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError):
            continue
        match = _LINK.search(str(content))
        if match:
            link = match.group(0).rstrip(".,;:!?)]}>")
            return html.unescape(link) if kind == "html" else link
    return None


def describe(message: EmailMessage, recipients: Sequence[str], path: Path) -> str:
    """The terminal block for one mail: subject, recipient, first link, where it was saved."""
    to = str(message.get("To") or "") or ", ".join(recipients)
    return "\n".join(
        [
            "",
            "-------- mail sent " + "-" * 45,
            f"To:      {to}",
            f"Subject: {message.get('Subject', '')}",
            f"Link:    {first_link(message) or '(none)'}",
            f"Saved:   {path}",
            "-" * 64,
        ]
    )


class OutboxWatcher:
    """Copies each mail the emulated SES accepts to `<outbox>/<UTC timestamp>-<id>.eml`."""

    def __init__(
        self,
        moto_port: int,
        outbox_dir: Path,
        *,
        interval: float = _OUTBOX_INTERVAL,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self._moto_port = moto_port
        self._outbox_dir = outbox_dir
        self._interval = interval
        self._echo = echo
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._written: list[Path] = []
        self._last_stamp: datetime | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def written(self) -> list[Path]:
        with self._lock:
            return list(self._written)

    def start(self) -> None:
        self._outbox_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="outbox-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=_STOP_TIMEOUT)
            self._thread = None

    def scan(self) -> list[Path]:
        """Fetch the emulation's sent mail once; write (and show) the new ones."""
        mails = sent_mails(fetch_emulation_data(self._moto_port))
        new: list[Path] = []
        with self._lock:
            for mail in mails:
                if mail.message_id in self._seen:
                    continue
                path = self._outbox_dir / f"{self._stamp()}-{_safe(mail.message_id)}.eml"
                path.write_bytes(mail.mime)
                self._seen.add(mail.message_id)
                self._written.append(path)
                new.append(path)
                if self._echo is not None:
                    self._echo(describe(parse_mail(mail.mime), mail.recipients, path))
        return new

    def _run(self) -> None:
        failing = False
        while not self._stopped.wait(self._interval):
            try:
                self.scan()
            except (OSError, http.client.HTTPException, ValueError, LocalStackError) as error:
                if not failing:
                    print(f"outbox: cannot read the emulation's mail: {error!r}", file=sys.stderr)
                failing = True
            else:
                failing = False

    def _stamp(self) -> str:
        # Strictly increasing, so the file names sort in the order the mails were seen.
        now = datetime.now(UTC)
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return now.strftime("%Y%m%dT%H%M%S%fZ")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


# --- the schedules ---------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ScheduleRunner:
    """The local EventBridge: the app's scheduled functions, invoked when they fall due.

    Every `interval` it looks at the clock and invokes what fell due since its last look
    (`infra.local_scheduler.due_runs`), in a fresh process with the API's environment
    (`python -m infra.local_scheduler invoke`), so a function sees what it would see in
    Lambda: the stage's variables, the overrides, the emulation's endpoint. `tick(previous,
    now)` is that step for any two instants, which is how tests deliver a Monday 07:45.
    """

    def __init__(
        self,
        environment: Callable[[], Mapping[str, str]],
        log_path: Path,
        *,
        echo: Callable[[str], None] | None = None,
        interval: float = _SCHEDULE_INTERVAL,
        clock: Callable[[], datetime] = _utc_now,
        timeout: float = _SCHEDULED_RUN_TIMEOUT,
    ) -> None:
        self._environment = environment
        self._log_path = log_path
        self._echo = echo
        self._interval = interval
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()  # one tick at a time: runs of a day stay in order
        self._previous: datetime | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def log_path(self) -> Path:
        return self._log_path

    def start(self) -> None:
        """Look at the clock every `interval` from now on (nothing before now is caught up)."""
        self._stopped.clear()
        self._previous = None
        self.poll()
        self._thread = threading.Thread(target=self._run, name="schedules", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
        if self._thread is not None:
            self._thread.join(timeout=_STOP_TIMEOUT)
            self._thread = None

    def poll(self) -> list[Invocation]:
        """One look at the clock: invoke what fell due since the previous look (the first look
        only starts the count)."""
        now = self._clock()
        previous = self._previous or now
        self._previous = now
        return self.tick(previous, now)

    def tick(self, previous: datetime, now: datetime) -> list[Invocation]:
        """Invoke every run due in (previous, now], oldest first, delivered at `now`."""
        runs = due_runs(previous, now)
        if not runs:
            return []
        with self._lock:
            invocations = self._invoke(runs, now)
        if self._echo is not None:
            for invocation in invocations:
                self._echo(describe_invocation(invocation, self._log_path))
        return invocations

    def _invoke(self, runs: Sequence[DueRun], now: datetime) -> list[Invocation]:
        command = [sys.executable, "-m", "infra.local_scheduler", "invoke", "--now"]
        command += [utc_text(now), *(run_spec(run) for run in runs)]
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=dict(self._environment()),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
            )
            self._process = process
            try:
                output, _ = process.communicate(timeout=self._timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            finally:
                self._process = None
        invocations = [
            Invocation.from_dict(json.loads(line))
            for line in output.decode("utf-8", errors="replace").splitlines()
            if line.startswith("{")
        ]
        if len(invocations) != len(runs):
            raise LocalStackError(
                f"scheduled runs {', '.join(map(run_spec, runs))} ended with exit code "
                f"{process.returncode}{_tail(self._log_path)}"
            )
        return invocations

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self.poll()
            except (OSError, ValueError, subprocess.SubprocessError, LocalStackError) as error:
                if not self._stopped.is_set():
                    print(f"schedules: {error}", file=sys.stderr, flush=True)


def describe_invocation(invocation: Invocation, log_path: Path) -> str:
    """One terminal line for a scheduled run: which, for when (office time), what it did."""
    local = invocation.time.astimezone(OFFICE_TZ).strftime("%a %Y-%m-%d %H:%M")
    head = f"schedule: {invocation.function_name} for {local} Europe/Berlin:"
    result = invocation.result or {}
    if invocation.error is not None:
        return f"{head} failed: {invocation.error} (log: {log_path})"
    if "verdict" in result:
        if result["verdict"] != "run":
            return f"{head} nothing to do ({result['verdict']})"
        return (
            f"{head} {result['invited']} invited, {result['given_after']} of "
            f"{result['capacity']} given, {result['mails_sent']} mails sent, "
            f"{result['mails_failed']} failed"
        )
    if "acted" in result:
        if not result["acted"]:
            return f"{head} nothing to do"
        return (
            f"{head} {result['no_shows']} no-shows, {result['mails_sent']} mails sent, "
            f"{result['mails_failed']} failed"
        )
    return f"{head} {json.dumps(result)}"


# --- the processes --------------------------------------------------------------------------


@dataclass
class _Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None
    log: IO[bytes] | None


class LocalStack:
    """moto on `moto_port`, its table, bucket, sender and staff pool, `chalice local` on
    `api_port`, the outbox, (with `web_port`) the web form, configured to this API, and the
    schedules.

    `env_overrides` are laid over the stage's variables of .chalice/config.json for the API
    (they win, see infra/chalice_local.py); so are the staff pool's ids. With `web_port`,
    WEB_BASE_URL defaults to the form's address, so mail links open it and CORS allows its
    origin. With `run_schedules`, the allocation and the end-of-day job run at their times
    while the stack is up; without, `tick()` runs them for chosen instants. Use as a context
    manager, or start() and stop().
    """

    def __init__(
        self,
        moto_port: int = DEFAULT_MOTO_PORT,
        api_port: int = DEFAULT_API_PORT,
        env_overrides: Mapping[str, str] | None = None,
        outbox_dir: Path | None = None,
        *,
        log_dir: Path | None = None,
        project_dir: Path = REPO_ROOT,
        stage: str = STAGE,
        api_output_to_terminal: bool = False,
        echo_mail: bool = True,
        startup_timeout: float = 60.0,
        web_port: int | None = None,
        run_schedules: bool = True,
        staff_port: int | None = None,
    ) -> None:
        self._moto_port = moto_port
        self._api_port = api_port
        self._web_port = web_port
        self._staff_port = staff_port
        self._env_overrides = dict(env_overrides or {})
        if web_port is not None:
            self._env_overrides.setdefault(WEB_BASE_URL, f"http://{HOST}:{web_port}")
        if staff_port is not None:
            # The staff console calls the API from its own origin, beside the form's.
            form = _origin(self._env_overrides.get(WEB_BASE_URL, "")) if web_port else None
            origins = [o for o in (form, f"http://{HOST}:{staff_port}") if o]
            self._env_overrides.setdefault(ALLOWED_ORIGINS, ",".join(origins))
        self._outbox_dir = (outbox_dir or project_dir / "var" / "outbox").resolve()
        self._log_dir = (log_dir or self._outbox_dir.parent / "log").resolve()
        self._project_dir = project_dir.resolve()
        self._stage = stage
        self._api_output_to_terminal = api_output_to_terminal
        self._echo_mail = echo_mail
        self._startup_timeout = startup_timeout
        self.resources = StageResources.from_environment(
            stage_environment(self._project_dir, stage), self._env_overrides
        )
        self._children: list[_Child] = []
        self._watcher: OutboxWatcher | None = None
        self._form: FormServer | None = None
        self._console: StaffConsoleServer | None = None
        self._staff_pool: local_cognito.LocalPool | None = None
        self._run_schedules = run_schedules
        self._schedules = ScheduleRunner(
            self.api_environment, self._log_dir / "scheduler.log", echo=_echo
        )
        self._read_queue_url: str | None = None
        self._stopping = False
        self._exited = threading.Event()
        self._exit_report: tuple[str, int] | None = None

    # -- what tests and the banner need ------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self._api_port}"

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self._moto_port}"

    @property
    def web_url(self) -> str | None:
        """Where the web form is served, or None when this stack serves none."""
        return None if self._web_port is None else f"http://{HOST}:{self._web_port}"

    @property
    def web_port(self) -> int | None:
        return self._web_port

    @property
    def staff_url(self) -> str | None:
        """Where the staff console is served, or None when this stack serves none."""
        return None if self._staff_port is None else f"http://{HOST}:{self._staff_port}"

    @property
    def moto_port(self) -> int:
        return self._moto_port

    @property
    def api_port(self) -> int:
        return self._api_port

    @property
    def outbox_dir(self) -> Path:
        return self._outbox_dir

    @property
    def log_dir(self) -> Path:
        return self._log_dir

    @property
    def staff_pool(self) -> local_cognito.LocalPool | None:
        """The emulated Cognito pool of the staff API, once started."""
        return self._staff_pool

    def staff_token(self, username: str) -> str:
        """An access token of a demo user (`staff` or `admin`), as `make token` prints it."""
        if self._staff_pool is None:
            raise LocalStackError("the local stack is not running")
        return local_cognito.access_token(self._staff_pool, username)

    @property
    def pids(self) -> dict[str, int]:
        """Process ids of the children started: "emulation" and "api"."""
        return {child.name: child.process.pid for child in self._children}

    def client(self, service: str) -> Any:
        """A boto3 client of the emulation, with the dummy credentials."""
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def api_environment(self) -> dict[str, str]:
        """The environment of `chalice local`: ours, pointed at the emulation, plus overrides."""
        environment = {
            key: value for key, value in os.environ.items() if key not in _DROPPED_VARIABLES
        }
        stack = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            **DUMMY_CREDENTIALS,
        }
        if self._read_queue_url:
            stack[READ_QUEUE_URL] = self._read_queue_url
        pool = self._staff_pool.environment() if self._staff_pool is not None else {}
        environment.update(stack)
        environment.update(pool)
        environment.update(self._env_overrides)
        overridden = {*stack, *pool, *self._env_overrides}
        environment[OVERRIDES_VARIABLE] = ",".join(sorted(overridden))
        environment["PYTHONUNBUFFERED"] = "1"
        return environment

    def outbox_messages(self) -> list[EmailMessage]:
        """Every mail the emulation accepted since start(), oldest first, parsed.

        While the stack runs this first reads the emulation once more, so a mail whose
        send_email call has returned is always included.
        """
        watcher = self._watcher
        if watcher is None:
            return []
        if self._children and not self._stopping:
            watcher.scan()
        return [parse_mail(path.read_bytes()) for path in watcher.written]

    def wait_for_mail(
        self, matches: Callable[[EmailMessage], bool], timeout: float = 15.0
    ) -> EmailMessage:
        """The first outbox mail for which `matches` is true, waiting up to `timeout` seconds."""

        def found() -> EmailMessage | None:
            return next((mail for mail in self.outbox_messages() if matches(mail)), None)

        return wait_until(found, timeout=timeout, interval=0.2, what="a matching mail")

    # -- the scheduled functions and the allocation command ------------------------------

    def tick(self, previous: datetime, now: datetime) -> list[Invocation]:
        """Invoke the scheduled functions due in (previous, now], delivered at `now`, against
        this stack, as its schedules do while it runs (see ScheduleRunner)."""
        if not self._children:
            raise LocalStackError("the local stack is not running")
        return self._schedules.tick(previous, now)

    def run_allocation(self, *arguments: str, timeout: float = 120.0) -> dict[str, Any]:
        """`python -m infra.allocate ARGUMENTS` (what `make allocate` runs) against this stack,
        with the API's environment; its summary."""
        completed = subprocess.run(
            [sys.executable, "-m", "infra.allocate", *arguments],
            cwd=REPO_ROOT,
            env=self.api_environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        errors = completed.stderr.decode("utf-8", errors="replace")
        if completed.returncode != 0:
            raise LocalStackError(
                f"infra.allocate exited with code {completed.returncode}: {errors[-2000:]}"
            )
        summary: dict[str, Any] = json.loads(completed.stdout.decode("utf-8").splitlines()[-1])
        return summary

    # -- life cycle ----------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start everything, or nothing: on any failure what was started is stopped again."""
        if self._children:
            raise LocalStackError("the local stack is already running")
        self._stopping = False
        self._exited.clear()
        self._exit_report = None
        try:
            ports = [self._moto_port, self._api_port]
            if self._web_port is not None:
                ports.append(self._web_port)
            if self._staff_port is not None:
                ports.append(self._staff_port)
            for port in ports:
                if accepts_connections(port):
                    raise LocalStackError(f"port {port} on {HOST} is already in use")
            self._outbox_dir.mkdir(parents=True, exist_ok=True)
            self._log_dir.mkdir(parents=True, exist_ok=True)
            emulation = self._spawn(
                "emulation",
                [sys.executable, "-m", "infra.local_moto", "-H", HOST, "-p", str(self._moto_port)],
                # TOTP codes checked as Cognito checks them (the staff console's sign-in).
                environment={
                    **os.environ,
                    **DUMMY_CREDENTIALS,
                    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
                },
                log_path=self._log_dir / "moto.log",
            )
            self._await(emulation, self._emulation_answers)
            self._provision()
            self._watcher = OutboxWatcher(
                self._moto_port, self._outbox_dir, echo=_echo if self._echo_mail else None
            )
            self._watcher.start()
            api = self._spawn(
                "api",
                [
                    sys.executable,
                    "-m",
                    "infra.chalice_local",
                    "--project-dir",
                    str(self._project_dir),
                    "local",
                    "--no-autoreload",
                    "--stage",
                    self._stage,
                    "--host",
                    HOST,
                    "--port",
                    str(self._api_port),
                ],
                environment=self.api_environment(),
                log_path=None if self._api_output_to_terminal else self._log_dir / "api.log",
            )
            self._await(api, lambda: accepts_connections(self._api_port))
            # Lambda's SQS event source: the document reader (tesseract, DOCUMENT_READER).
            self._spawn(
                "reader",
                [sys.executable, "-m", "infra.local_reader"],
                environment=self.api_environment(),
                log_path=self._log_dir / "reader.log",
            )
            self._serve_form()
            self._serve_console()
            if self._run_schedules:
                self._schedules.start()
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = _STOP_TIMEOUT) -> None:
        """Stop the API, take the last mails, stop the emulation. Safe to call twice."""
        self._stopping = True
        self._schedules.stop()
        if self._form is not None:
            self._form.stop()
            self._form = None
        if self._console is not None:
            self._console.stop()
            self._console = None
        for child in reversed(self._children):
            if child.name in ("api", "reader"):
                _end(child, timeout)
        if self._watcher is not None:
            self._watcher.stop()
            emulation_up = any(
                child.name == "emulation" and child.process.returncode is None
                for child in self._children
            )
            if emulation_up:
                with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                    self._watcher.scan()
        for child in reversed(self._children):
            _end(child, timeout)
            if child.log is not None:
                child.log.close()
        self._children = []
        self._staff_pool = None

    def wait(self, timeout: float | None = None) -> tuple[str, int] | None:
        """Block until a child stops on its own: (its name, its exit code); None on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._exited.wait(1.0):
            if deadline is not None and time.monotonic() >= deadline:
                return None
        return self._exit_report

    def banner(self) -> str:
        log = self._log_dir / "moto.log"
        api_log = "this terminal" if self._api_output_to_terminal else self._log_dir / "api.log"
        form = []
        if self.web_url is not None:
            form = [
                f"  Web form   {self.web_url}/   (open this in a browser; served from web/, "
                "KERN from build/web-form/kern/)"
            ]
        staff = []
        if self._staff_pool is not None:
            users = " and ".join(sorted(local_cognito.DEMO_USERS))
            if self.staff_url is not None:
                staff.extend(self._console_banner(self._staff_pool))
            staff += [
                f"  Staff API  demo users {users} (pool {self._staff_pool.pool_id}); "
                f"a token: {self.token_command('staff')}",
                f'             curl -H "Authorization: Bearer $({self.token_command("staff")})" '
                f"{self.api_url}/staff/queue",
            ]
        schedules = "at their times" if self._run_schedules else "only when asked (tick)"
        return "\n".join(
            [
                f"Notfalltermin runs locally (stage {self._stage}):",
                *form,
                f"  API        {self.api_url}   (log: {api_log}; pid {self.pids.get('api')})",
                *staff,
                f"  Emulation  {self.endpoint_url}   (moto; log: {log}; "
                f"pid {self.pids.get('emulation')})",
                f"  Outbox     {self._outbox_dir}   (each mail is also shown here)",
                f"  Documents  read by tesseract as uploaded (the read_document function on "
                f"the emulated SQS queue; log: {self._log_dir / 'reader.log'})",
                f"  Schedules  allocation 07:45 Mon/Tue/Wed/Fri, 10:15 Thu; top-ups 09:30 and "
                f"11:00, Thu 12:00 and 13:30 (Europe/Berlin); end of day 20:30 UTC; "
                f"{schedules}; log: {self._schedules.log_path}",
                f"             today's allocation now: {self.allocate_command()}",
                "Press Ctrl-C to stop.",
            ]
        )

    def _console_banner(self, pool: local_cognito.LocalPool) -> list[str]:
        lines = [
            f"  Staff      {self.staff_url}/   (the staff console; served from build/web-staff/)",
            f"             sign in as staff or admin, password {local_cognito.DEMO_PASSWORD}, "
            "then the 6-digit code of an authenticator app with the user's secret:",
        ]
        for username, secret in sorted(pool.totp_secrets.items()):
            key = secret.upper()  # as authenticator apps show and take base32
            lines.append(
                f"               {username:<6} TOTP secret {key}   "
                f"(otpauth://totp/Notfalltermin:{username}?secret={key}&issuer=Notfalltermin)"
            )
        lines.append(
            f"             a first sign-in: {local_cognito.FIRST_SIGN_IN_USER}, temporary password "
            f"{local_cognito.FIRST_SIGN_IN_PASSWORD} (sets a password and an authenticator)"
        )
        return lines

    def token_command(self, username: str) -> str:
        """How a person gets an access token of a demo user of this stack."""
        if self._moto_port == DEFAULT_MOTO_PORT:
            return f"make -s token USER={username}"
        return (
            f".venv/bin/python -m infra.local_cognito token {username} "
            f"--endpoint-url {self.endpoint_url}"
        )

    def allocate_command(self) -> str:
        """How a person runs today's allocation against this stack now."""
        if self._moto_port == DEFAULT_MOTO_PORT:
            return "make allocate   (ARGS='--slots 5' opens a weekend day first)"
        return f"AWS_ENDPOINT_URL={self.endpoint_url} .venv/bin/python -m infra.allocate"

    # -- internals -------------------------------------------------------------------------

    def _spawn(
        self,
        name: str,
        command: list[str],
        *,
        environment: Mapping[str, str],
        log_path: Path | None,
    ) -> _Child:
        log = log_path.open("wb") if log_path is not None else None
        try:
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=dict(environment),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT if log is not None else None,
                # Its own process group: a terminal's Ctrl-C reaches only us, and we end
                # the whole group.
                start_new_session=True,
            )
        except BaseException:
            if log is not None:
                log.close()
            raise
        child = _Child(name, process, log_path, log)
        self._children.append(child)
        threading.Thread(
            target=self._watch_child, args=(child,), name=f"watch-{name}", daemon=True
        ).start()
        return child

    def _watch_child(self, child: _Child) -> None:
        code = child.process.wait()
        if not self._stopping and self._exit_report is None:
            self._exit_report = (child.name, code)
            self._exited.set()

    def _await(self, child: _Child, probe: Callable[[], bool]) -> None:
        def ready() -> bool:
            code = child.process.poll()
            if code is not None:
                raise LocalStackError(
                    f"{child.name} exited with code {code} while starting{_tail(child.log_path)}"
                )
            return probe()

        try:
            wait_until(ready, timeout=self._startup_timeout, what=f"{child.name} to answer")
        except TimeoutError as error:
            raise LocalStackError(f"{error}{_tail(child.log_path)}") from error

    def _serve_form(self) -> None:
        if self._web_port is None:
            return
        form = FormServer(self._web_port, self.api_url, connect_origins=[self.endpoint_url])
        try:
            form.start()
        except OSError as error:
            raise LocalStackError(
                f"the web form cannot listen on port {self._web_port}: {error}"
            ) from error
        self._form = form

    def _serve_console(self) -> None:
        if self._staff_port is None or self._staff_pool is None:
            return
        pool = self._staff_pool
        console = StaffConsoleServer(
            self._staff_port,
            self.api_url,
            CognitoSettings(REGION, pool.pool_id, pool.client_id, f"{self.endpoint_url}/"),
            document_origins=[self.endpoint_url],
        )
        try:
            console.start()
        except OSError as error:
            raise LocalStackError(
                f"the staff console cannot listen on port {self._staff_port}: {error}"
            ) from error
        self._console = console

    def _emulation_answers(self) -> bool:
        try:
            fetch_emulation_data(self._moto_port, timeout=2.0)
        except (OSError, http.client.HTTPException, ValueError, LocalStackError):
            return False
        return True

    def _provision(self) -> None:
        names = self.resources
        create_table(self.client("dynamodb"), names.table_name)
        s3 = self.client("s3")
        s3.create_bucket(
            Bucket=names.documents_bucket,
            CreateBucketConfiguration={"LocationConstraint": REGION},
        )
        s3.put_bucket_cors(
            Bucket=names.documents_bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": list(names.web_origins),
                        "AllowedMethods": ["POST", "GET", "PUT"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 600,
                    }
                ]
            },
        )
        # The read requests (chalicelib/reading.py); what fails comes back after 30 s.
        self._read_queue_url = self.client("sqs").create_queue(
            QueueName=READ_QUEUE_NAME, Attributes={"VisibilityTimeout": "30"}
        )["QueueUrl"]
        self.client("sesv2").create_email_identity(EmailIdentity=names.mail_sender)
        self.client("ses").verify_email_identity(EmailAddress=names.mail_sender)
        # The keys, read by the API and the jobs from Secrets Manager as in the cloud.
        stage = {**stage_environment(self._project_dir, self._stage), **self._env_overrides}
        create_stage_secrets(self.client("secretsmanager"), stage)
        self._staff_pool = local_cognito.provision(self.endpoint_url)


def _end(child: _Child, timeout: float) -> None:
    """SIGTERM the child's process group; SIGKILL it if it has not ended after `timeout`."""
    process = child.process
    if process.returncode is not None or process.poll() is not None:
        return
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=timeout)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _tail(log_path: Path | None, lines: int = 20) -> str:
    if log_path is None or not log_path.exists():
        return ""
    text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return f"; last lines of {log_path}:\n" + "\n".join(text) if text else ""


def _echo(text: str) -> None:
    print(text, flush=True)


# --- the command line ---------------------------------------------------------------------


class _Terminated(Exception):
    """SIGTERM or SIGHUP arrived."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(signal.Signals(signum).name)


def _override(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local_stack", description=__doc__)
    parser.add_argument("--moto-port", type=int, default=DEFAULT_MOTO_PORT)
    parser.add_argument("--api-port", type=int, default=DEFAULT_API_PORT)
    parser.add_argument("--web-port", type=int, default=DEFAULT_WEB_PORT)
    parser.add_argument("--staff-port", type=int, default=DEFAULT_STAFF_PORT)
    parser.add_argument("--outbox", type=Path, default=REPO_ROOT / "var" / "outbox")
    parser.add_argument(
        "--env",
        type=_override,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable for the API that wins over .chalice/config.json (repeatable)",
    )
    args = parser.parse_args(argv)
    stack = LocalStack(
        args.moto_port,
        args.api_port,
        dict(args.env),
        args.outbox,
        api_output_to_terminal=True,
        web_port=args.web_port,
        staff_port=args.staff_port,
    )
    handled = (signal.SIGTERM, signal.SIGHUP)
    for signum in handled:
        signal.signal(signum, _raise_terminated)
    # Explicitly: a shell without job control starts background commands with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stack.start()
        print(stack.banner(), flush=True)
        report = stack.wait()
        name, code = report if report is not None else ("a process", -1)
        print(
            f"{name} stopped unexpectedly (exit code {code}); stopping the rest.", file=sys.stderr
        )
        return 1
    except (KeyboardInterrupt, _Terminated):
        print("\nStopping.", flush=True)
        return 0
    except LocalStackError as error:
        print(f"The local stack could not start: {error}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not leave processes behind: stop() is bounded anyway.
        for signum in (signal.SIGINT, *handled):
            signal.signal(signum, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
