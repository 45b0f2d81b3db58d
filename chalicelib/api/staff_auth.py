"""Staff authentication in front of every staff route: a verified Cognito access token and
the group the route needs. Checked here, not by API Gateway alone, so it holds everywhere."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import bearer_token, route
from chalicelib.bootstrap import container
from chalicelib.domain.errors import Forbidden, Unauthorized
from chalicelib.domain.staff import StaffGroup, StaffIdentity

StaffView = Callable[..., Response]


def authenticate(request: Request, group: StaffGroup) -> StaffIdentity:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Sign in: this route needs a staff access token.")
    c = container()
    identity = c.staff_tokens().verify(token, c.clock())
    # A token outlives a sign-out, a disabled or a deleted user: ask whether it still holds.
    c.staff_sessions.ensure_active(token, c.clock())
    if not identity.may_act_as(group):
        raise Forbidden(f"This needs the group '{group.value}'.")
    return identity


def staff_route(
    blueprint: Any, path: str, group: StaffGroup = StaffGroup.STAFF, **options: Any
) -> Callable[[StaffView], Any]:
    """`route` for staff: the view receives the verified identity as `staff`; the path gets a
    CORS preflight answer like every route, so the staff console can call it from its origin."""

    def register(view: StaffView) -> Any:
        @functools.wraps(view)
        def guarded(**params: str) -> Response:
            staff = authenticate(blueprint.current_request, group)
            return view(staff, **params)

        return route(blueprint, path, **options)(guarded)

    return register
