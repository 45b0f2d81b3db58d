"""Build the queue's counts (chalicelib/adapters/dynamo_queue_counts.py) for a table whose
waiting registrations predate them: once, after the deployment that brings the counts, at a
quiet moment (no run, nobody submitting; e.g. at night).

    python -m infra.queue_counts --table <table name> [--office stuttgart]
"""

from __future__ import annotations

import argparse
import sys

import boto3

from chalicelib.adapters import dynamo_queue_counts
from chalicelib.adapters.dynamodb import QUEUE_INDEX, queue_pk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.queue_counts", description=__doc__)
    parser.add_argument("--table", required=True)
    parser.add_argument("--office", default="stuttgart")
    args = parser.parse_args(argv)
    client = boto3.client("dynamodb")
    counted = dynamo_queue_counts.rebuild(
        lambda operation, **request: getattr(client, operation)(**request),
        args.table,
        index=QUEUE_INDEX,
        office_id=args.office,
        partition=queue_pk(args.office),
    )
    print(f"counted {counted} waiting registrations of {args.office}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
