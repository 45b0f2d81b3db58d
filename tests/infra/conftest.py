"""The deployable template, packaged once per test session exactly as `make package` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.finalize import finalize, load_spec
from infra.package_code import finish

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-central-1"
STAGE = "prod"


@dataclass(frozen=True)
class Packaged:
    path: Path
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template["Resources"]
        return resources

    def of_type(self, kind: str) -> dict[str, Any]:
        return {lid: r for lid, r in self.resources.items() if r["Type"] == kind}

    @property
    def functions(self) -> dict[str, Any]:
        return self.of_type("AWS::Serverless::Function")


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    """`chalice package --merge-template infra/resources.json`, then infra/package_code.py and
    infra/finalize.py.

    Chalice downloads the Lambda wheels from PyPI on a machine that has not packaged before,
    and caches them in .chalice/deployments."""
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": REGION}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(
        [
            tool("chalice"),
            "package",
            "--stage",
            STAGE,
            "--merge-template",
            "infra/resources.json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sam = json.loads((out / "sam.json").read_text())
    finish(sam, out / "deployment.zip")
    template = finalize(sam, load_spec())
    path = out / "template.json"
    path.write_text(json.dumps(template, indent=2))
    return Packaged(path, template)
