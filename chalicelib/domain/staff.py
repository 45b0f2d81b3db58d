"""Staff identities and what their Cognito groups allow."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StaffGroup(StrEnum):
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class StaffIdentity:
    subject: str
    username: str
    groups: frozenset[str]

    def may_act_as(self, group: StaffGroup) -> bool:
        # An administrator can do everything a member of staff can.
        if group is StaffGroup.STAFF:
            return bool(self.groups & {StaffGroup.STAFF.value, StaffGroup.ADMIN.value})
        return group.value in self.groups
