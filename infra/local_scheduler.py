"""The local stand-in for EventBridge: which scheduled functions fell due between two instants,
and how to invoke them.

`due_runs(previous, now)` lists every firing of the app's schedule rules (the same `Cron`
expressions Chalice deploys) in (previous, now], oldest first, each with the event
EventBridge would deliver. Both UTC candidates of the allocation rules are listed, as in the
cloud: the function itself acts only at 07:45 / 10:15 Europe/Berlin on workdays.

`python -m infra.local_scheduler invoke --now ISO NAME@ISO ...` invokes the named functions
with those events as Lambda would (`chalice.test`'s Lambda client): in this process, with the
stage's variables of .chalice/config.json laid over the environment and the variables named in
LOCAL_STACK_ENV_OVERRIDES over those, exactly as `chalice local` does for the API
(infra/chalice_local.py), and with the service's clock starting at `--now`. The local stack runs
it in a fresh process per tick with the API's environment (infra/local_stack.py). It prints one
JSON line per run on stdout: {"function_name", "time", "result"} or {..., "error"}; the
functions' own logs and metrics go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chalice.app import Cron, ScheduledEventConfig
from chalice.cli.factory import CLIFactory
from chalice.test import TestLambdaClient

from app import app
from chalicelib import bootstrap
from infra.chalice_local import overrides_from

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGE = "local"
REGION = "eu-central-1"
ACCOUNT = "000000000000"
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}


@dataclass(frozen=True)
class DueRun:
    """One firing of a schedule rule: the Chalice function and the instant (UTC) it is for."""

    function_name: str
    time: datetime

    def event(self) -> dict[str, Any]:
        """The scheduled event EventBridge delivers for this firing."""
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{self.function_name}"],
            "detail": {},
        }


def app_schedules() -> dict[str, Cron]:
    """The app's scheduled functions and their rules, as Chalice registered them."""
    return {
        source.name: source.schedule_expression
        for source in app.event_sources
        if isinstance(source, ScheduledEventConfig) and isinstance(source.schedule_expression, Cron)
    }


def due_runs(
    previous: datetime, now: datetime, schedules: dict[str, Cron] | None = None
) -> list[DueRun]:
    """Every firing in (previous, now] of the app's rules (or of `schedules`), oldest first."""
    if previous.tzinfo is None or now.tzinfo is None:
        raise ValueError("previous and now must be timezone-aware")
    rules = app_schedules() if schedules is None else schedules
    minute = previous.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = now.astimezone(UTC)
    runs: list[DueRun] = []
    while minute <= end:
        runs.extend(DueRun(name, minute) for name, rule in rules.items() if fires_at(rule, minute))
        minute += timedelta(minutes=1)
    return runs


def fires_at(rule: Cron, at: datetime) -> bool:
    """Whether an EventBridge cron rule fires at this UTC minute.

    Supports the syntax this app uses: `*`, `?`, numbers, names, lists and ranges."""
    at = at.astimezone(UTC)
    day_of_week = (at.isoweekday() % 7) + 1  # EventBridge: 1 = Sunday … 7 = Saturday
    return (
        _matches(rule.minutes, at.minute, {})
        and _matches(rule.hours, at.hour, {})
        and _matches(rule.day_of_month, at.day, {})
        and _matches(rule.month, at.month, _MONTH_NAMES)
        and _matches(rule.day_of_week, day_of_week, _DAY_NAMES)
        and _matches(rule.year, at.year, {})
    )


def _matches(field: str | int, value: int, names: dict[str, int]) -> bool:
    text = str(field).strip().upper()
    if text in ("*", "?"):
        return True
    return value in set(_values(text.split(","), names))


def _values(parts: Iterable[str], names: dict[str, int]) -> Iterable[int]:
    for part in parts:
        low, _, high = part.partition("-")
        first = _number(low, names)
        last = _number(high, names) if high else first
        yield from range(first, last + 1)


def _number(token: str, names: dict[str, int]) -> int:
    token = token.strip()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"unsupported cron field {token!r}")
    return int(token)


# -- invoking them ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    """What one scheduled function answered for a due run: its summary, or the error it raised."""

    function_name: str
    time: datetime
    result: dict[str, Any] | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "function_name": self.function_name,
            "time": utc_text(self.time),
        }
        if self.error is not None:
            answer["error"] = self.error
        else:
            answer["result"] = self.result
        return answer

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Invocation:
        return cls(
            function_name=str(data["function_name"]),
            time=datetime.fromisoformat(str(data["time"])),
            result=data.get("result"),
            error=data.get("error"),
        )


def utc_text(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_spec(run: DueRun) -> str:
    """A due run on the command line: `allocate_morning@2026-11-24T06:45:00Z`."""
    return f"{run.function_name}@{utc_text(run.time)}"


def parse_run_spec(text: str) -> DueRun:
    name, at, instant = text.partition("@")
    if not at or not name:
        raise argparse.ArgumentTypeError(f"expected NAME@TIME, got {text!r}")
    return DueRun(name, _aware(instant))


def invoke(runs: Sequence[DueRun], now: datetime) -> list[Invocation]:
    """Invoke each run's function with its event, in order, as Lambda would.

    The service's clock starts at `now` (the instant the scheduler saw the runs fall due) and
    runs on from there, so a test can deliver a Monday 07:45 on any day. One function's error
    does not keep the next from running: each is its own invocation in the cloud.
    """
    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(
        chalice_stage_name=STAGE,
        user_provided_params={"environment_variables": overrides_from(os.environ)},
    )
    # The container is built here, from what the functions see, so that its clock can be set
    # before the first invocation (the Lambda client lays the same variables over it again).
    os.environ.update(config.environment_variables)
    services = bootstrap.container()
    offset = now - bootstrap.utc_now()
    services.clock = lambda: bootstrap.utc_now() + offset
    functions = TestLambdaClient(app, config)
    invocations = []
    for run in runs:
        try:
            payload = functions.invoke(run.function_name, run.event()).payload
        except Exception as error:  # reported per run, as Lambda would
            invocations.append(Invocation(run.function_name, run.time, error=repr(error)))
        else:
            invocations.append(Invocation(run.function_name, run.time, result=payload))
    return invocations


def _aware(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} carries no offset")
    return instant


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local_scheduler", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("invoke", help="invoke scheduled functions for due runs")
    command.add_argument("--now", type=_aware, required=True, help="the delivery instant (ISO)")
    command.add_argument("runs", type=parse_run_spec, nargs="+", metavar="NAME@TIME")
    args = parser.parse_args(argv)
    results = sys.stdout
    # The functions log (and flush metrics) to stdout, as in Lambda; here stdout is the answer.
    sys.stdout = sys.stderr
    try:
        invocations = invoke(args.runs, args.now)
    finally:
        sys.stdout = results
    for invocation in invocations:
        print(json.dumps(invocation.as_dict()), file=results, flush=True)
    return 1 if any(invocation.error for invocation in invocations) else 0


if __name__ == "__main__":
    sys.exit(main())
