"""`make bench`: every figure of docs/performance.md, one line each: name, value, target."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence

import boto3

from chalicelib.config import MAIL_SENDER, TABLE_NAME
from infra.bench import cold_answer, cold_start
from infra.bench.allocation import AllocationCost, measure_allocation
from infra.bench.cold_answer import measure_cold_answers
from infra.bench.documents import (
    BREAKDOWN,
    cloud_usd_per_1000,
    measure_reading,
    peak_rss_mb,
    tesseract_peak_rss_mb,
)
from infra.bench.emulation import (
    in_process_aws,
    item_level_transaction_backups,
    whole_table_backup_seconds,
)
from infra.bench.load import measure_load
from infra.bench.registration import measure_registration
from infra.bench.spike import measure_positions, measure_spike
from infra.local_stack import REGION

FIGURES = (
    "allocation",
    "registration",
    "spike",
    "cold-answer",
    "cold-start",
    "package",
    "load",
    "documents",
)


def figure(name: str, value: float | str, note: str = "") -> None:
    shown = f"{value:.2f}" if isinstance(value, float) else str(value)
    print(f"{name} {shown}" + (f" ({note})" if note else ""), flush=True)


def target(value: float, limit: float, what: str = "<=") -> str:
    met = value <= limit if what == "<=" else value == limit
    return f"target {what} {limit:g}" + ("" if met else ": MISSED, see docs/performance.md")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The app's metric lines (EMF on stdout) stay out of the figures."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def allocation_run(slots: int, waiting: int) -> tuple[AllocationCost, float]:
    """One run on a fresh emulation; and what moto's whole-table backup of the table costs."""
    with in_process_aws() as environment, item_level_transaction_backups(), quiet():
        cost = measure_allocation(
            boto3.client("dynamodb", region_name=REGION),
            boto3.client("sesv2", region_name=REGION),
            environment[TABLE_NAME],
            environment[MAIL_SENDER],
            slots=slots,
            waiting=waiting,
        )
        return cost, whole_table_backup_seconds(environment[TABLE_NAME])


def allocation_figures(large: int) -> None:
    k = 100
    small, _ = allocation_run(k, 1000)
    big, _ = allocation_run(k, large)
    for cost in (small, big):
        figure(
            f"allocation_items_read_k{k}_n{cost.waiting}",
            cost.items_read,
            target(cost.items_read, 1.1 * k),
        )
    ratio = big.items_read / small.items_read
    figure(f"allocation_items_read_ratio_n{large}_n1000", ratio, target(ratio, 1.05))

    k = 500
    full, backup_seconds = allocation_run(k, large)
    calls = full.calls
    name = f"k{k}_n{large}"
    figure(f"allocation_items_read_{name}", full.items_read, target(full.items_read, 1.1 * k))
    figure(
        f"allocation_dynamodb_write_calls_{name}",
        calls.dynamodb_write_calls,
        target(calls.dynamodb_write_calls, k + 2)
        + ": per invitation its transaction (which marks the mail before it sent), then the"
        " last mark and the run record",
    )
    figure(
        f"allocation_ses_calls_{name}",
        calls.mail_sends,
        target(calls.mail_sends, k) + "; one mail per invitation",
    )
    figure(f"allocation_calls_{name}", calls.summary().replace(" ", ""))
    figure(
        f"allocation_wall_seconds_{name}",
        full.seconds,
        "moto in-process, item-level transaction backups; this machine",
    )
    figure(
        f"moto_table_backup_seconds_n{large}",
        backup_seconds,
        "what moto's own whole-table backup costs per transaction item",
    )


def registration_figures() -> None:
    with in_process_aws() as environment, quiet():
        cost = measure_registration(environment)
    register = cost.register
    figure(
        "registration_dynamodb_calls", register.dynamodb_calls, target(register.dynamodb_calls, 2)
    )
    figure("registration_ses_calls", register.mail_sends, target(register.mail_sends, 1))
    figure("registration_calls", register.summary().replace(" ", ""))
    figure("registration_challenge_aws_calls", sum(cost.challenge.calls.values()))
    one = cost.verify_one
    status = cost.status
    figure("status_read_calls", status.summary().replace(" ", ""))
    figure(
        "document_verification_aws_calls",
        sum(one.calls.values()) - sum(status.calls.values()),
        "one document, beyond the status read it happens in",
    )
    figure("document_verification_calls", one.summary().replace(" ", ""))


def spike_figures(large: int, waiting: int, reads: int) -> None:
    """Issue 17: a status read's cost at any place, and the 07:45 spike (infra/bench/spike.py)."""
    positions = (1, 1000, large)
    with in_process_aws() as environment, quiet():
        costs = measure_positions(environment, positions, large)
    for cost in costs:
        figure(
            f"status_read_items_read_at_position_{cost.position}",
            cost.items,
            target(cost.items, 10) + f"; {cost.calls}",
        )
        figure(
            f"status_read_kb_read_at_position_{cost.position}",
            cost.bytes / 1024,
            target(cost.bytes / 1024, 16) + "; counted bytes of the items read",
        )
    with in_process_aws() as environment, quiet():
        spike = measure_spike(environment, waiting, reads)
    name = f"n{waiting}_r{reads}"
    partition, hottest = spike.now_hottest
    figure(
        f"spike_read_units_per_s_hottest_partition_{name}",
        hottest,
        target(hottest, 1000) + f"; {partition.split('/', 1)[1]}, the queue counts",
    )
    for place, measured, modelled in spike.before_checked:
        figure(
            f"spike_before_count_units_at_position_{place}",
            f"{measured:g}",
            f"measured; the model says {modelled:g}",
        )
    figure(
        f"spike_before_read_units_per_s_hottest_partition_{name}",
        spike.before_units_per_second,
        f"the count of everyone ahead (before issue 17), the queue index's partition;"
        f" {spike.before_units_per_second / 3000:.1f} x its 3,000 limit",
    )
    items = sorted(c.items for c in spike.sample)
    figure(
        f"spike_sample_items_per_read_{name}",
        f"{items[0]}-{items[-1]}",
        f"{len(items)} readers at random places through the app",
    )


def cold_answer_figures(runs: int) -> None:
    """Issue 17: fresh interpreter to first answer, the app against the framework floor."""
    with quiet():
        answers = measure_cold_answers(runs)
    for route in ("status", "register"):
        app_ms = answers.ms[(route, cold_answer.APP)]
        floor_ms = answers.ms[(route, cold_answer.FLOOR)]
        figure(f"cold_answer_ms_{route}_app", app_ms, f"median of {runs}; this machine")
        figure(f"cold_answer_ms_{route}_floor", floor_ms, "infra/bench/floor_app.py, same calls")
        ratio = answers.ratio(route)
        figure(f"cold_answer_ratio_{route}", ratio, target(ratio, 1.25))
        figure(
            f"cold_answer_cpu_ratio_{route}",
            answers.cpu_ratio(route),
            f"CPU time, {answers.cpu_ms[(route, cold_answer.APP)]:.0f} / "
            f"{answers.cpu_ms[(route, cold_answer.FLOOR)]:.0f} ms: the load's waiting left out",
        )
    validating = cold_answer.VALIDATING_FLOOR
    figure(
        "cold_answer_ms_register_validating_floor",
        answers.ms[("register", validating)],
        "infra/bench/validating_floor_app.py: the floor + pydantic and email-validator",
    )
    for name, module, floor, what in (
        (
            "validating_floor",
            validating,
            cold_answer.FLOOR,
            "validating the registration's body alone (pydantic, email-validator) ÷ the floor: "
            "the part of the 25 % that the stack's validation takes",
        ),
        (
            "app_over_validating_floor",
            cold_answer.APP,
            validating,
            "the app ÷ the validating floor: what the service adds beyond the stack's "
            "validation (its rules, mail, log, lock and counts)",
        ),
    ):
        figure(f"cold_answer_ratio_register_{name}", answers.ratio("register", module, floor), what)
        figure(
            f"cold_answer_cpu_ratio_register_{name}",
            answers.cpu_ratio("register", module, floor),
            f"CPU time, {answers.cpu_ms[('register', module)]:.0f} / "
            f"{answers.cpu_ms[('register', floor)]:.0f} ms",
        )


def cold_start_figures(runs: int) -> None:
    statements = [cold_start.FRAMEWORKS] + [f"import {m}" for m in cold_start.ENTRY_MODULES]
    cold_start.compile_sources()
    times = cold_start.import_times_ms(statements, runs=runs)
    frameworks = times[cold_start.FRAMEWORKS]
    figure(
        "cold_start_import_ms_frameworks", frameworks, f"{cold_start.FRAMEWORKS}, median of {runs}"
    )
    for module in cold_start.ENTRY_MODULES:
        ms = times[f"import {module}"]
        figure(f"cold_start_import_ms_{module}", ms, f"working tree, median of {runs}")
        figure(f"cold_start_import_ratio_{module}", ms / frameworks, target(ms / frameworks, 1.15))
        lazy = cold_start.imported_libraries(module)
        figure(f"cold_start_lazy_libraries_imported_{module}", len(lazy), ",".join(lazy) or "none")


def package_figures(import_runs: int) -> None:
    package = cold_start.build_package(import_runs=import_runs)
    figure("deployment_zip_mb", package.zipped_mb, target(package.zipped_mb, 12))
    largest = ",".join(f"{n}={b / 1e6:.1f}" for n, b in package.by_top_level.most_common(4))
    figure("deployment_zip_largest_mb", largest)
    frameworks = package.import_ms[cold_start.FRAMEWORKS]
    note = f"unpacked package as Lambda imports it, median of {import_runs}"
    figure("package_import_ms_frameworks", frameworks, note)
    for module in cold_start.ENTRY_MODULES:
        ms = package.import_ms[f"import {module}"]
        figure(f"package_import_ms_{module}", ms, note)
        figure(f"package_import_ratio_{module}", ms / frameworks, target(ms / frameworks, 1.15))
    figure(
        "package_modules_with_bytecode",
        package.bytecode_modules,
        "what the handler modules import (infra/package_code.py)",
    )


def load_figures(requests_per_phase: int, queue: int, workers: int, deadline: float) -> None:
    result = measure_load(requests_per_phase, queue, workers, deadline)
    phases = (
        ("registration", result.registrations, 201),
        ("status_read", result.status_reads, 200),
    )
    for kind, latencies, _ in phases:
        figure(
            f"load_{kind}_requests",
            latencies.count,
            f"of {requests_per_phase}, {workers} clients"
            + (f", positions 1-{queue} of the queue" if kind == "status_read" else ""),
        )
        figure(f"load_{kind}_p50_ms", latencies.percentile_ms(50), "this machine")
        figure(f"load_{kind}_p95_ms", latencies.percentile_ms(95), "this machine")
    server_errors = sum(latencies.server_errors for _, latencies, _ in phases)
    figure("load_5xx", server_errors, target(server_errors, 0, "=="))
    other = sum(lat.unexpected(ok) - lat.server_errors + lat.errors for _, lat, ok in phases)
    figure("load_other_failures", other, target(other, 0, "=="))
    figure("load_wall_seconds", result.seconds, f"bounded at {deadline:g}")


def documents_figures(n: int) -> None:
    reading = measure_reading(n)
    readable = reading.readable["all"]
    note = f"of {readable} readable documents in fixed_corpus({n})"
    figure("documents_read_rate", reading.rate(), f"{note}; target >= 0.95")
    for key in BREAKDOWN:
        figure(f"documents_read_rate_{key}", reading.rate(key), f"of {reading.readable[key]}")
    false = len(reading.false_matches)
    figure(
        "documents_false_matches",
        false,
        target(false, 0, "==") + (f": {', '.join(reading.false_matches)}" if false else ""),
    )
    figure("documents_heavy_read", reading.heavy_read, "heavy degradations read right anyway")
    p95 = reading.seconds_percentile(95)
    figure("documents_seconds_p50", reading.seconds_percentile(50), "this machine, one at a time")
    figure("documents_seconds_p95", p95, target(p95, 5))
    figure("documents_seconds_max", max(reading.seconds))
    figure("documents_peak_rss_mb", peak_rss_mb(), "the reading process (Python, OpenCV)")
    figure("documents_tesseract_peak_rss_mb", tesseract_peak_rss_mb(), "one tesseract, a page")
    figure(
        "documents_cloud_usd_per_1000",
        cloud_usd_per_1000(),
        "Textract DetectDocumentText 1.50 USD per 1,000 pages + Lambda 512 MB for 2 s",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench", description=__doc__)
    parser.add_argument("figures", nargs="*", metavar="figure", help=f"any of {', '.join(FIGURES)}")
    parser.add_argument("--queue", type=int, default=50_000, help="the long queue (N)")
    parser.add_argument("--spike-waiting", type=int, default=20_000, help="waiting at 07:45")
    parser.add_argument("--spike-reads", type=int, default=5_000, help="status reads in 60 s")
    parser.add_argument("--import-runs", type=int, default=10)
    parser.add_argument("--load", type=int, default=2000, help="registrations of the load")
    parser.add_argument("--load-queue", type=int, default=500, help="waiting, for the reads")
    parser.add_argument("--load-clients", type=int, default=4)
    parser.add_argument("--load-deadline", type=float, default=900)
    parser.add_argument("--documents", type=int, default=240, help="documents of the corpus")
    args = parser.parse_args(argv)
    unknown = set(args.figures) - set(FIGURES)
    if unknown:
        parser.error(f"no such figure: {', '.join(sorted(unknown))}")
    # The app's log lines (JSON on stdout) would bury the figures.
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    steps: dict[str, Callable[[], None]] = {
        "allocation": lambda: allocation_figures(args.queue),
        "registration": registration_figures,
        "spike": lambda: spike_figures(args.queue, args.spike_waiting, args.spike_reads),
        "cold-answer": lambda: cold_answer_figures(args.import_runs),
        "cold-start": lambda: cold_start_figures(args.import_runs),
        "package": lambda: package_figures(args.import_runs),
        "load": lambda: load_figures(
            args.load, args.load_queue, args.load_clients, args.load_deadline
        ),
        "documents": lambda: documents_figures(args.documents),
    }
    started = time.monotonic()
    for name in args.figures or FIGURES:
        steps[name]()
    print(f"# bench done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
