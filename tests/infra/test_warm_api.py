"""The API is kept warm around the allocation runs (issue 17): provisioned concurrency on the
alias API Gateway calls, scheduled by Application Auto Scaling from the run times."""

from __future__ import annotations

import json
import re

from chalicelib.domain.schedule import RUN_TIMES
from infra.finalize import API_ALIAS, is_staff_path, warm_schedule
from tests.infra.conftest import ROOT, Packaged


def test_warm_before_every_run_and_cool_an_hour_later_in_berlin_time() -> None:
    actions = {a["ScheduledActionName"]: a for a in warm_schedule()}

    assert {name: a["Schedule"] for name, a in actions.items()} == {
        "Warm0745": "cron(30 7 ? * MON,TUE,WED,FRI *)",
        "Cool0745": "cron(30 8 ? * MON,TUE,WED,FRI *)",
        "Warm1015": "cron(0 10 ? * THU *)",
        "Cool1015": "cron(0 11 ? * THU *)",
    }
    assert {a["Timezone"] for a in actions.values()} == {"Europe/Berlin"}
    warm = {"Ref": "ApiProvisionedConcurrency"}
    assert actions["Warm0745"]["ScalableTargetAction"] == {"MinCapacity": warm, "MaxCapacity": warm}
    assert actions["Cool1015"]["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}
    assert sorted({t.strftime("%H%M") for t in RUN_TIMES.values()}) == ["0745", "1015"]


def test_the_template_warms_the_alias_the_api_calls(packaged: Packaged) -> None:
    target = packaged.resources["ApiWarmAtRunTimes"]
    assert target["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
    assert target["Condition"] == "WarmsApi"
    props = target["Properties"]
    assert props["ResourceId"] == {"Fn::Sub": f"function:${{APIHandler}}:{API_ALIAS}"}
    assert props["ScalableDimension"] == "lambda:function:ProvisionedConcurrency"
    assert props["MaxCapacity"] == {"Ref": "ApiProvisionedConcurrency"}
    assert packaged.functions["APIHandler"]["Properties"]["AutoPublishAlias"] == API_ALIAS
    # Provisioned concurrency serves only calls of the alias: every applicant route calls it
    # (the staff console's paths call their own function, tests/infra/test_api_functions.py).
    paths = packaged.resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    applicant = {p: ops for p, ops in paths.items() if not is_staff_path(p)}
    uris = set(re.findall(r"functions/([^/\"]+)/invocations", json.dumps(applicant)))
    assert uris == {f"${{APIHandler.Arn}}:{API_ALIAS}"}
    permission = packaged.resources["APIHandlerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "APIHandler.Alias"}
    parameter = json.loads((ROOT / "infra" / "resources.json").read_text())["Parameters"][
        "ApiProvisionedConcurrency"
    ]
    assert parameter["Default"] == 20 and parameter["MinValue"] == 0
