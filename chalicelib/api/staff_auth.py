"""Staff authentication in front of every staff route: a verified Cognito access token and
the group the route needs. Checked here, not by API Gateway alone, so it holds everywhere."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import answers_problems, bearer_token
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
    if not identity.may_act_as(group):
        raise Forbidden(f"This needs the group '{group.value}'.")
    return identity


def staff_route(
    blueprint: Any, path: str, group: StaffGroup = StaffGroup.STAFF, **options: Any
) -> Callable[[StaffView], Any]:
    """`blueprint.route` for staff: the view receives the verified identity as `staff`."""

    def register(view: StaffView) -> Any:
        @functools.wraps(view)
        def guarded(**params: str) -> Response:
            staff = authenticate(blueprint.current_request, group)
            return view(staff, **params)

        return blueprint.route(path, **options)(answers_problems(guarded))

    return register
