"""Run the identity migration of issue 15 against the table the environment names (the
deployed stage's settings, as the functions read them):

    python -m infra.migrate_identity_keys

Prints how many locks were moved, were already right, or changed meanwhile, and the ids of
registrations whose person has another active registration under the new fold."""

from __future__ import annotations

import json
import sys

from chalicelib import bootstrap
from chalicelib.adapters.dynamo_identity import DynamoIdentityLocks
from chalicelib.services.identity_migration import migrate_identity_keys


def main() -> int:
    container = bootstrap.container()
    report = migrate_identity_keys(
        DynamoIdentityLocks(container.registrations), container.settings.identity_key
    )
    print(json.dumps(report.__dict__, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
