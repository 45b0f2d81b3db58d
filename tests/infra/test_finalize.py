"""infra/finalize.py refuses to ship a function it has no least-privilege entry for."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.finalize import FinalizeError, finalize, load_spec, main


def function(events: dict[str, Any] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "Handler": "app.app",
        "Role": "arn:aws:iam::000000000000:role/replaced-by-infra-finalize",
        "Environment": {"Variables": {"OFFICE_ID": "stuttgart"}},
    }
    if events:
        props["Events"] = events
    return {"Type": "AWS::Serverless::Function", "Properties": props}


SCHEDULE: dict[str, Any] = {
    "Nightly": {"Type": "Schedule", "Properties": {"Schedule": "cron(30 20 * * ? *)"}}
}
SNS: dict[str, Any] = {
    "Mail": {
        "Type": "SNS",
        "Properties": {
            "Topic": {
                "Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:mail-events"
            }
        },
    }
}


def spec(**functions: str) -> dict[str, Any]:
    return {
        "failure_queue": "Failures",
        "alarm_topic": "Alarms",
        "web_acl": "Acl",
        "topics": {"mail-events": "MailTopic"},
        "environment": {"TABLE_NAME": {"Ref": "Table"}},
        "functions": {name: {"policy": policy} for name, policy in functions.items()},
        "policies": {
            "reader": [
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:GetItem",
                    "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
                }
            ]
        },
    }


def template(**functions: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {
            **functions,
            "DefaultRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Name": "acl"}},
        }
    }


def test_a_function_without_an_entry_stops_the_build() -> None:
    with pytest.raises(FinalizeError, match=r"no entry in infra/functions.json .*Nightly"):
        finalize(template(Api=function(), Nightly=function(SCHEDULE)), spec(Api="reader"))


def test_an_entry_for_a_function_that_is_gone_stops_the_build() -> None:
    with pytest.raises(FinalizeError, match="no longer has: Old"):
        finalize(template(Api=function()), spec(Api="reader", Old="reader"))


def test_an_unknown_policy_stops_the_build() -> None:
    with pytest.raises(FinalizeError, match="unknown policy 'writer'"):
        finalize(template(Api=function()), spec(Api="writer"))


def test_a_setting_from_the_stage_config_may_not_shadow_the_templates() -> None:
    api = function()
    api["Properties"]["Environment"]["Variables"]["TABLE_NAME"] = "notfalltermin-prod"
    with pytest.raises(FinalizeError, match=r"TABLE_NAME set by \.chalice/config\.json"):
        finalize(template(Api=api), spec(Api="reader"))


def test_an_event_source_without_failure_handling_stops_the_build() -> None:
    queue_fed = function({"Jobs": {"Type": "Kinesis", "Properties": {"Stream": "arn"}}})
    with pytest.raises(FinalizeError, match=r"event type.* Kinesis"):
        finalize(template(Worker=queue_fed), spec(Worker="reader"))


def test_an_unbound_topic_stops_the_build() -> None:
    events = copy.deepcopy(SNS)
    events["Mail"]["Properties"]["Topic"]["Fn::Sub"] += "-typo"
    with pytest.raises(FinalizeError, match="'mail-events-typo' is not bound"):
        finalize(template(Mail=function(events)), spec(Mail="reader"))


def test_each_function_gets_a_role_a_log_group_and_its_failure_route() -> None:
    done = finalize(
        template(Api=function(), Nightly=function(SCHEDULE), Mail=function(SNS)),
        spec(Api="reader", Nightly="reader", Mail="reader"),
    )
    resources = done["Resources"]
    assert "DefaultRole" not in resources
    for name in ("Api", "Nightly", "Mail"):
        assert resources[name]["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
        assert resources[f"{name}LogGroup"]["Type"] == "AWS::Logs::LogGroup"
        assert resources[f"{name}ErrorsAlarm"]["Type"] == "AWS::CloudWatch::Alarm"
        env = resources[name]["Properties"]["Environment"]["Variables"]
        assert env == {"OFFICE_ID": "stuttgart", "TABLE_NAME": {"Ref": "Table"}}
    assert "EventInvokeConfig" not in resources["Api"]["Properties"]
    for name in ("Nightly", "Mail"):
        on_failure = resources[name]["Properties"]["EventInvokeConfig"]["DestinationConfig"]
        assert on_failure["OnFailure"]["Destination"] == {"Fn::GetAtt": ["Failures", "Arn"]}
    assert resources["Mail"]["Properties"]["Events"]["Mail"]["Properties"]["Topic"] == {
        "Ref": "MailTopic"
    }
    # a daily job that is silent for two days is an alarm; the API has no schedule to miss
    assert resources["NightlyNotRunAlarm"]["Properties"]["EvaluationPeriods"] == 2
    assert "ApiNotRunAlarm" not in resources


def test_a_weekly_schedule_gets_no_not_run_alarm_cloudwatch_cannot_evaluate() -> None:
    weekly = {"Weekly": {"Type": "Schedule", "Properties": {"Schedule": "cron(15 8 ? * THU *)"}}}
    done = finalize(template(Weekly=function(weekly)), spec(Weekly="reader"))
    assert "WeeklyNotRunAlarm" not in done["Resources"]
    assert "WeeklyErrorsAlarm" in done["Resources"]


def test_the_command_writes_the_template_or_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "sam.json"
    target = tmp_path / "template.json"
    source.write_text(json.dumps(template(Unlisted=function())))
    assert main([str(source), str(target)]) == 1
    assert "Unlisted" in capsys.readouterr().err
    assert not target.exists()


def test_the_real_spec_names_only_policies_it_defines() -> None:
    real = load_spec()
    assert {entry["policy"] for entry in real["functions"].values()} <= set(real["policies"])
