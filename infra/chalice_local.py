"""`chalice local`, but the variables named in LOCAL_STACK_ENV_OVERRIDES win over config.json.

Plain `chalice local` copies the stage's `environment_variables` from .chalice/config.json
over the process environment just before it imports app.py, so a value given in the
environment (say WEB_BASE_URL for a test) is silently replaced. This launcher takes the
names listed (comma-separated) in LOCAL_STACK_ENV_OVERRIDES, keeps their values from its
own environment, and lays them over the stage's values before app.py is imported.
Everything else is chalice's own command line: `python -m infra.chalice_local local ...`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

from chalice.cli import main as chalice_main
from chalice.cli.factory import CLIFactory

OVERRIDES_VARIABLE = "LOCAL_STACK_ENV_OVERRIDES"


def overrides_from(environ: Mapping[str, str]) -> dict[str, str]:
    names = [name.strip() for name in environ.get(OVERRIDES_VARIABLE, "").split(",")]
    return {name: environ[name] for name in names if name and name in environ}


def main() -> None:
    overrides = overrides_from(os.environ)
    original = CLIFactory.load_chalice_app

    def load_chalice_app(
        self: Any,
        environment_variables: MutableMapping[str, str] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if environment_variables is not None:
            environment_variables = {**environment_variables, **overrides}
        return original(self, environment_variables, *args, **kwargs)

    CLIFactory.load_chalice_app = load_chalice_app  # type: ignore[method-assign]
    sys.exit(chalice_main())


if __name__ == "__main__":
    main()
