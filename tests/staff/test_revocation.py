"""Staff access ends when the sign-in does (issue 16, item 3): a signed-out, disabled or deleted
user's unexpired access token is refused, within the minute a positive check is remembered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import boto3
import pytest
from chalice.test import Client

from tests.api.test_registration import problem
from tests.conftest import REGION, FixedClock
from tests.staff.conftest import StaffClient
from tests.staff_tokens import StaffPool

Ending = Callable[[StaffPool, str], None]


def signed_out(pool: StaffPool, token: str) -> None:
    boto3.client("cognito-idp", region_name=REGION).global_sign_out(AccessToken=token)


def disabled(pool: StaffPool, token: str) -> None:
    boto3.client("cognito-idp", region_name=REGION).admin_disable_user(
        UserPoolId=pool.pool_id, Username="admin"
    )


def signed_out_by_an_admin(pool: StaffPool, token: str) -> None:
    boto3.client("cognito-idp", region_name=REGION).admin_user_global_sign_out(
        UserPoolId=pool.pool_id, Username="admin"
    )


@pytest.mark.parametrize("end", [signed_out, disabled, signed_out_by_an_admin])
def test_an_ended_sign_in_loses_access_within_a_minute(
    client: Client, clock: FixedClock, pool: StaffPool, end: Ending
) -> None:
    admin = StaffClient(client, pool.access_token("admin"))
    assert admin.get("/staff/stats").status_code == 200

    end(pool, admin.token)
    clock.now += timedelta(seconds=61)

    problem(admin.get("/staff/stats"), 401, "unauthorized")
    problem(admin.get("/staff/audit"), 401, "unauthorized")


def test_a_live_sign_in_is_asked_about_once_a_minute(
    client: Client, clock: FixedClock, pool: StaffPool, desk: StaffClient
) -> None:
    assert desk.get("/staff/stats").status_code == 200
    signed_out(pool, desk.token)
    # Remembered for a minute: the sign-out shows at the next check.
    assert desk.get("/staff/stats").status_code == 200
    clock.now += timedelta(seconds=61)
    problem(desk.get("/staff/stats"), 401, "unauthorized")
