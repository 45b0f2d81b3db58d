"""Run today's allocation now against the local emulation: `python -m infra.allocate`.

Talks to whatever AWS_ENDPOINT_URL points to (the local stack's moto server by default) with
the `local` stage's settings, gives today's remaining appointments and mails them, and prints a
summary of ids and counts (JSON, the only thing on stdout; the service's logs go to stderr).
`--at 07:45` runs as at that local time of today (the windows an hour later are
reachable; a run at the real time of an afternoon reaches none). `--end-of-day` closes a day
instead (no-shows and their mails; only once the day is over, from
20:00 office time); `--slots N` first sets the date's capacity (e.g. to allocate locally on a
weekend). `make allocate ARGS="--slots 5"` runs it. Exit codes: 0, 1 when the service
refused, 2 when the emulation cannot be reached.

The tests that need today's appointments whatever the hour (the browser tests) run it as the
morning run would (TODAYS_APPOINTMENTS): a run at the real time reaches no window late in the
evening, not even under the local stage's round-the-clock hours (the last window, 23:00, is
MINIMUM_NOTICE_MINUTES away from 22:00 on).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import EndpointConnectionError

from chalicelib import bootstrap
from chalicelib.domain.calendar import OFFICE_TZ, office_today
from chalicelib.domain.errors import DomainError
from chalicelib.services.allocation import MAX_SLOTS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENDPOINT = "http://127.0.0.1:5000"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Today opened for everyone waiting, given as the 07:45 run would: every window from 09:00
# (local stage), at any hour of the day.
TODAYS_APPOINTMENTS = ("--slots", str(MAX_SLOTS), "--at", "07:45")


def local_environment(stage: str = "local") -> dict[str, str]:
    """The stage's variables from .chalice/config.json, for those not already set."""
    config = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    variables: dict[str, str] = dict(config.get("environment_variables", {}))
    variables.update(config["stages"][stage].get("environment_variables", {}))
    variables.setdefault("AWS_ENDPOINT_URL", DEFAULT_ENDPOINT)
    variables.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    return variables


def main(argv: Sequence[str] | None = None, clock: Callable[[], datetime] | None = None) -> int:
    """The command; `clock` (aware UTC) replaces the service's clock: what `--at` and `--date`
    are taken relative to (tests run it as at a chosen instant). Exit code 0, or 1 when the
    service refused (its reason on stderr)."""
    parser = argparse.ArgumentParser(prog="python -m infra.allocate", description=__doc__)
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        help="the office-local date (YYYY-MM-DD); allocation gives today's appointments only",
    )
    parser.add_argument("--end-of-day", action="store_true", help="close the day instead")
    parser.add_argument(
        "--at",
        type=time.fromisoformat,
        help="run as at this office-local time today (HH:MM), e.g. 07:45 to give every window",
    )
    parser.add_argument("--slots", type=int, help="set the date's capacity first (0 closes)")
    args = parser.parse_args(argv)

    for name, value in local_environment().items():
        os.environ.setdefault(name, value)
    if os.environ["AWS_ENDPOINT_URL"]:
        # The emulation takes any key; a developer's real credentials must never reach it.
        os.environ.update(DUMMY_CREDENTIALS)
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)

    results = sys.stdout
    # The service logs to stdout, as in Lambda; here stdout is the summary alone (`| jq`).
    sys.stdout = sys.stderr
    try:
        summary = _run(parser, args, clock)
    except DomainError as error:
        print(f"refused: {error.detail}", file=sys.stderr)
        return 1
    except (EndpointConnectionError, GetParameterError) as error:
        if not _unreachable(error):
            raise
        print(
            f"cannot reach the AWS emulation at {os.environ['AWS_ENDPOINT_URL']}: is `make run`"
            " up? If it runs on other ports, give this command the AWS_ENDPOINT_URL its banner"
            " prints (README, Two commands).",
            file=sys.stderr,
        )
        return 2
    finally:
        sys.stdout = results
    if summary is not None:
        print(json.dumps(summary), flush=True)
    return 0


def _unreachable(error: BaseException | None) -> bool:
    """Whether `error`, or what it was raised from (Powertools wraps the secret's read), is
    botocore's failure to connect."""
    while error is not None:
        if isinstance(error, EndpointConnectionError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _run(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    clock: Callable[[], datetime] | None,
) -> dict[str, Any] | None:
    services = bootstrap.container()
    now = (clock or services.clock)()
    if args.at is not None:
        now = datetime.combine(office_today(now), args.at, tzinfo=OFFICE_TZ)
    day = args.date or office_today(now)
    print(f"endpoint {os.environ['AWS_ENDPOINT_URL']}, date {day.isoformat()}", file=sys.stderr)
    if args.slots is not None:
        capacity = services.allocation.set_capacity(day, args.slots)
        print(f"capacity of {day.isoformat()}: {capacity.slots}", file=sys.stderr)
    if args.end_of_day:
        return services.allocation.end_day(day, now).as_dict()
    if day == office_today(now):
        return services.allocation.allocate_day(now, trigger="manual").as_dict()
    if args.slots is None:
        parser.error("allocation gives today's appointments only; leave out --date")
    return None


if __name__ == "__main__":
    sys.exit(main())
