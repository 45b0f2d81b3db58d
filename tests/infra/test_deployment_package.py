"""The deployment package stays small: the AWS SDK comes with the Lambda runtime."""

from __future__ import annotations

from infra.bench.cold_start import package_contents
from tests.infra.conftest import Packaged

MAX_ZIPPED_BYTES = 12_000_000


def test_the_package_leaves_the_sdk_to_the_runtime_and_stays_under_12_mb(
    packaged: Packaged,
) -> None:
    package = package_contents(packaged.path.parent / "deployment.zip")

    shipped = {name.split("-")[0] for name in package.by_top_level}
    assert not shipped & {"boto3", "botocore", "s3transfer"}
    assert {"chalicelib", "app.py", "pydantic", "jwt"} <= shipped
    assert package.zipped_bytes <= MAX_ZIPPED_BYTES
