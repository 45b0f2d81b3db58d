"""Finish the packaged template: per function a role, a log group, failure handling and alarms.

`chalice package --merge-template infra/resources.json` writes a SAM template whose functions
follow the code (every `@app.route`, `@app.schedule`, `@app.on_sns_message`). This step walks
every AWS::Serverless::Function in it and, from infra/functions.json, gives it

- its environment (Ref/GetAtt of the stack's resources; of its keys only the ARNs of their
  secrets, which only it may read),
- its own least-privilege role (the policy named in its entry, plus writing its own logs),
- an explicit log group with retention (the role may not create log groups),
- when invoked asynchronously (schedules, SNS): the failed-invocations queue as its on-failure
  destination and dead-letter queue, and a bound SNS topic,
- an errors alarm, and for schedules a did-not-run alarm where the schedule allows one;

then writes the CloudWatch dashboard. The one API function Chalice packages becomes two of the
same code (the applicant's and the staff console's, `_split_api`), and the applicant's is kept
warm around the allocation runs (`_warm_api_at_run_times`). A function without an entry fails
the build, so a new function cannot ship with borrowed permissions.

    python -m infra.finalize build/sam.json build/template.json
"""

from __future__ import annotations

import copy
import json
import math
import sys
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from infra.cron import longest_gap

SPEC = Path(__file__).with_name("functions.json")

FUNCTION = "AWS::Serverless::Function"
# Invoked by the Lambda service's event queue: retried, then sent to the on-failure destination.
ASYNC_EVENTS = frozenset({"Schedule", "SNS", "S3", "CloudWatchEvent", "EventBridgeRule"})
# Polled by Lambda: a message that fails goes back to its queue and, after the queue's
# maxReceiveCount, to the queue's own dead-letter queue (infra/resources.json).
POLLED_EVENTS = frozenset({"SQS"})
METRICS_NAMESPACE = "Notfalltermin"
METRICS_DIMENSION = {"Name": "service", "Value": "notfalltermin"}
API_METRIC_DIMENSIONS = ["ApiName", "notfalltermin", "Stage", "api"]
# Schedules are judged over one fixed year so that the output does not depend on today.
GAP_YEAR = 2027
MAX_ALARM_DAYS = 7
RETRIES = 2
MAX_EVENT_AGE_SECONDS = 3600
# The KMS key the secrets are encrypted with (infra/resources.json, KmsKeyId of each secret).
SECRETS_KEY = "DataKey"

Json = dict[str, Any]


class FinalizeError(RuntimeError):
    """The packaged template cannot be finished safely; the message says what to change."""


def load_spec(path: Path = SPEC) -> Json:
    spec: Json = json.loads(path.read_text(encoding="utf-8"))
    return spec


def finalize(template: Mapping[str, Any], spec: Mapping[str, Any]) -> Json:
    """The deployable template: `template` (from chalice package) finished per `spec`."""
    result: Json = copy.deepcopy(dict(template))
    resources: Json = result["Resources"]
    _split_api(resources)
    functions = {lid: r for lid, r in resources.items() if r.get("Type") == FUNCTION}
    _check_entries(functions, spec)
    for logical_id, function in functions.items():
        entry = spec["functions"][logical_id]
        props: Json = function["Properties"]
        _set_environment(logical_id, props, spec["environment"])
        log_group = f"{logical_id}LogGroup"
        resources[log_group] = _log_group(logical_id)
        statements = [_log_statement(log_group), *copy.deepcopy(spec["policies"][entry["policy"]])]
        statements.extend(_grant_secrets(logical_id, props, entry, spec))
        events: Json = props.get("Events") or {}
        _bind_queues(events, spec.get("queues", {}))
        invoked_async = _is_async(logical_id, events)
        if invoked_async:
            statements.append(_queue_statement(spec["failure_queue"]))
            _route_failures(props, events, spec)
        resources[f"{logical_id}Role"] = _role(logical_id, statements)
        props["Role"] = {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]}
        props["LoggingConfig"] = {"LogGroup": {"Ref": log_group}, "LogFormat": "Text"}
        _set_runtime_and_layers(props, entry)
        resources.update(_function_alarms(logical_id, events, invoked_async, spec["alarm_topic"]))
    _drop_unused_default_role(resources)
    resources["Dashboard"] = _dashboard(sorted(functions), resources, spec)
    _warm_api_at_run_times(resources)
    return result


# -- the API as two functions (issue 17) ------------------------------------------------------

API_FUNCTION = "APIHandler"
STAFF_API_FUNCTION = "StaffAPIHandler"
# The module each API function's Lambda imports (its handler is the module's `app`).
API_HANDLERS = {
    API_FUNCTION: "chalicelib.applicant_api.app",
    STAFF_API_FUNCTION: "chalicelib.staff_api.app",
}
STAFF_PATHS = "/staff"


def is_staff_path(path: str) -> bool:
    """Whether API Gateway sends `path` (a resource path of the API) to the staff function."""
    return path == STAFF_PATHS or path.startswith(f"{STAFF_PATHS}/")


def _split_api(resources: Json) -> None:
    """The API as two functions of one package. Chalice packages one (APIHandler, handler
    `app.app`, every route); its handler becomes chalicelib/applicant_api.py, which imports the
    applicant's routes only: the cold start people wait for at 07:45 loads nothing of the staff
    console (docs/performance.md 7.4). A copy of it, StaffAPIHandler (the same settings and
    environment, its own role from infra/functions.json), runs chalicelib/staff_api.py and gets
    every path under /staff; API Gateway may invoke it for those paths only."""
    api = resources.get(API_FUNCTION)
    if api is None:
        return
    staff = copy.deepcopy(api)
    api["Properties"]["Handler"] = API_HANDLERS[API_FUNCTION]
    staff["Properties"]["Handler"] = API_HANDLERS[STAFF_API_FUNCTION]
    resources[STAFF_API_FUNCTION] = staff
    rest = resources.get("RestAPI")
    if rest is None:
        return
    paths: Json = rest["Properties"]["DefinitionBody"]["paths"]
    applicant_arn = f"${{{API_FUNCTION}.Arn}}"
    staff_arn = f"${{{STAFF_API_FUNCTION}.Arn}}"
    for path, operations in paths.items():
        if is_staff_path(path):
            paths[path] = json.loads(json.dumps(operations).replace(applicant_arn, staff_arn))
    permission = copy.deepcopy(resources[f"{API_FUNCTION}InvokePermission"])
    props = permission["Properties"]
    props["FunctionName"] = {"Ref": STAFF_API_FUNCTION}
    source, names = props["SourceArn"]["Fn::Sub"]
    if not source.endswith("/*"):
        raise FinalizeError(f"unexpected SourceArn of {API_FUNCTION}InvokePermission: {source}")
    # <api id>/<stage>/<method>/<path>: any stage and method, paths under /staff.
    props["SourceArn"] = {"Fn::Sub": [f"{source}/*{STAFF_PATHS}/*", names]}
    resources[f"{STAFF_API_FUNCTION}InvokePermission"] = permission


# -- the API warm at the run times (issue 17) ----------------------------------------------

API_ALIAS = "live"
WARM_PARAMETER = "ApiProvisionedConcurrency"  # infra/resources.json, with condition WarmsApi
WARM_BEFORE = timedelta(minutes=15)  # provisioned concurrency takes minutes to be ready
WARM_FOR = timedelta(hours=1)  # the status reads after the mails, the desk's first hour
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _warm_api_at_run_times(resources: Json) -> None:
    """Provisioned concurrency for the API around each run time: API Gateway calls the API's
    alias `live` (provisioned concurrency serves only calls of an alias or version), and
    Application Auto Scaling sets its provisioned concurrency to the template parameter
    ApiProvisionedConcurrency 15 minutes before a run (domain/schedule.py RUN_TIMES,
    Europe/Berlin) and back to 0 an hour later."""
    api = resources.get(API_FUNCTION)
    if api is None:
        return
    api["Properties"]["AutoPublishAlias"] = API_ALIAS
    if "RestAPI" in resources:
        body = json.dumps(resources["RestAPI"])
        arn = f"${{{API_FUNCTION}.Arn}}"
        resources["RestAPI"] = json.loads(body.replace(arn, f"{arn}:{API_ALIAS}"))
    for resource in resources.values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Lambda::Permission" and props.get("FunctionName") == {
            "Ref": API_FUNCTION
        }:
            props["FunctionName"] = {"Ref": f"{API_FUNCTION}.Alias"}
    resources["ApiWarmAtRunTimes"] = {
        "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
        "Condition": "WarmsApi",
        # The alias SAM generates for AutoPublishAlias: <function>Alias<alias name>.
        "DependsOn": f"{API_FUNCTION}Alias{API_ALIAS}",
        "Properties": {
            "ServiceNamespace": "lambda",
            "ScalableDimension": "lambda:function:ProvisionedConcurrency",
            "ResourceId": {"Fn::Sub": f"function:${{{API_FUNCTION}}}:{API_ALIAS}"},
            "MinCapacity": 0,
            "MaxCapacity": {"Ref": WARM_PARAMETER},
            "ScheduledActions": warm_schedule(),
        },
    }


def warm_schedule() -> list[Json]:
    """The scheduled actions: per run time, warm (min = max = the parameter) and cool (0),
    on the weekdays that run then. Public holidays warm too (the runs skip them): an hour of
    provisioned concurrency a few times a year."""
    from chalicelib.domain.schedule import RUN_TIMES  # noqa: PLC0415

    days: dict[Any, list[int]] = {}
    for weekday, at in sorted(RUN_TIMES.items()):
        days.setdefault(at, []).append(weekday)
    actions: list[Json] = []
    for at, weekdays in sorted(days.items()):
        run = datetime.combine(date(2027, 1, 4), at)
        named = ",".join(WEEKDAYS[d] for d in weekdays)
        for name, when, capacity in (
            ("Warm", run - WARM_BEFORE, {"Ref": WARM_PARAMETER}),
            ("Cool", run - WARM_BEFORE + WARM_FOR, 0),
        ):
            actions.append(
                {
                    "ScheduledActionName": f"{name}{at.strftime('%H%M')}",
                    "Schedule": f"cron({when.minute} {when.hour} ? * {named} *)",
                    "Timezone": "Europe/Berlin",
                    "ScalableTargetAction": {"MinCapacity": capacity, "MaxCapacity": capacity},
                }
            )
    return actions


# -- checks -------------------------------------------------------------------------------


def _check_entries(functions: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
    if not functions:
        raise FinalizeError("the packaged template has no AWS::Serverless::Function")
    entries: Mapping[str, Any] = spec["functions"]
    missing = sorted(set(functions) - set(entries))
    if missing:
        raise FinalizeError(
            "no entry in infra/functions.json for function(s) "
            + ", ".join(missing)
            + ': add e.g. "'
            + missing[0]
            + '": {"policy": "<one of '
            + ", ".join(sorted(spec["policies"]))
            + '>"} (or a new least-privilege policy) under "functions"'
        )
    stale = sorted(set(entries) - set(functions))
    if stale:
        raise FinalizeError(
            "infra/functions.json has entries for functions the app no longer has: "
            + ", ".join(stale)
        )
    for logical_id, entry in entries.items():
        if entry.get("policy") not in spec["policies"]:
            raise FinalizeError(f"{logical_id}: unknown policy {entry.get('policy')!r}")


def _set_environment(logical_id: str, props: Json, shared: Mapping[str, Any]) -> None:
    variables: Json = props.setdefault("Environment", {}).setdefault("Variables", {})
    clashes = sorted(set(variables) & set(shared))
    if clashes:
        raise FinalizeError(
            f"{logical_id}: {', '.join(clashes)} set by .chalice/config.json for this stage; "
            "in the cloud they come from the template (infra/functions.json) only"
        )
    variables.update(copy.deepcopy(dict(shared)))


def _grant_secrets(
    logical_id: str, props: Json, entry: Mapping[str, Any], spec: Mapping[str, Any]
) -> list[Json]:
    """The keys the function reads (its entry's `secrets`): each variable set to its secret's
    ARN (never the value; chalicelib/config.py reads it at run time), and the statements that
    let the role read exactly those secrets, decrypted with the stack's key through Secrets
    Manager only. A function without `secrets` gets neither."""
    variables: Mapping[str, str] = spec.get("secrets", {})
    wanted = list(entry.get("secrets", []))
    unknown = sorted(set(wanted) - set(variables))
    if unknown:
        raise FinalizeError(
            f"{logical_id}: unknown secret variable(s) {', '.join(unknown)}: add them to "
            "'secrets' in infra/functions.json"
        )
    if not wanted:
        return []
    environment: Json = props["Environment"]["Variables"]
    for variable in wanted:
        environment[variable] = {"Ref": variables[variable]}
    return [
        {
            "Sid": "ReadOwnSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [{"Ref": variables[variable]} for variable in wanted],
        },
        {
            "Sid": "DecryptOwnSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": {"Fn::GetAtt": [SECRETS_KEY, "Arn"]},
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}
                }
            },
        },
    ]


def _set_runtime_and_layers(props: Json, entry: Mapping[str, Any]) -> None:
    """An entry's own `runtime` and `layers`, for this function only: the sanitiser's Pillow and
    pikepdf (SafeCopyLayer) are built for Amazon Linux 2023, which python3.12 runs on (their
    pinned wheels need glibc 2.28; python3.11 runs on Amazon Linux 2, glibc 2.26)."""
    if "runtime" in entry:
        props["Runtime"] = entry["runtime"]
    if "layers" in entry:
        props["Layers"] = [*props.get("Layers", []), *copy.deepcopy(entry["layers"])]


def _is_async(logical_id: str, events: Mapping[str, Any]) -> bool:
    kinds = {str(event.get("Type")) for event in events.values()} - POLLED_EVENTS
    unknown = kinds - ASYNC_EVENTS
    if unknown:
        raise FinalizeError(
            f"{logical_id}: event type(s) {', '.join(sorted(unknown))} need their own failure "
            "handling in infra/finalize.py"
        )
    return bool(kinds)


# -- per function ---------------------------------------------------------------------------


def _log_group(logical_id: str) -> Json:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}/{logical_id}"},
            "RetentionInDays": {"Ref": "LogRetentionDays"},
        },
    }


def _log_statement(log_group: str) -> Json:
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
    }


def _queue_statement(queue: str) -> Json:
    return {
        "Sid": "SendFailedEventsToTheQueue",
        "Effect": "Allow",
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": [queue, "Arn"]},
    }


def _role(logical_id: str, statements: list[Json]) -> Json:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": f"Notfalltermin function {logical_id}: least privilege",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": f"{logical_id}Policy",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


def _route_failures(props: Json, events: Json, spec: Mapping[str, Any]) -> None:
    queue_arn = {"Fn::GetAtt": [spec["failure_queue"], "Arn"]}
    props["EventInvokeConfig"] = {
        "MaximumRetryAttempts": RETRIES,
        "MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS,
        "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": queue_arn}},
    }
    for event in events.values():
        event_props: Json = event.setdefault("Properties", {})
        if event["Type"] == "Schedule":
            # An event EventBridge could not deliver within the hour is dead-lettered (and
            # alarmed on) rather than delivered late.
            event_props["DeadLetterConfig"] = {"Arn": copy.deepcopy(queue_arn)}
            event_props["RetryPolicy"] = {"MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS}
        elif event["Type"] == "SNS":
            event_props["Topic"] = _bound_topic(event_props.get("Topic"), spec["topics"])
            event_props["RedrivePolicy"] = {"deadLetterTargetArn": copy.deepcopy(queue_arn)}


def _bind_queues(events: Json, queues: Mapping[str, str]) -> None:
    """An SQS event source names its queue (Chalice writes an ARN built from the name): bind
    it to the stack's queue of that name."""
    for event in events.values():
        if event.get("Type") != "SQS":
            continue
        props: Json = event.setdefault("Properties", {})
        queue = props.get("Queue")
        text = queue.get("Fn::Sub") if isinstance(queue, dict) else queue
        name = str(text).rsplit(":", 1)[-1]
        if name not in queues:
            raise FinalizeError(
                f"SQS queue {name!r} is not bound to a stack queue under 'queues' in "
                "infra/functions.json"
            )
        props["Queue"] = {"Fn::GetAtt": [queues[name], "Arn"]}


def _bound_topic(topic: Any, topics: Mapping[str, str]) -> Any:
    """The stack's topic for a topic the code names (Chalice writes an ARN built from it)."""
    text = topic.get("Fn::Sub") if isinstance(topic, dict) else topic
    if not isinstance(text, str):
        return topic
    name = text.rsplit(":", 1)[-1]
    if name not in topics:
        raise FinalizeError(
            f"SNS topic {name!r} is not bound to a stack topic under 'topics' in "
            "infra/functions.json"
        )
    return {"Ref": topics[name]}


def _function_alarms(
    logical_id: str, events: Mapping[str, Any], invoked_async: bool, topic: str
) -> Json:
    actions = {"AlarmActions": [{"Ref": topic}], "OKActions": [{"Ref": topic}]}
    what = (
        "failed; Lambda retried it twice and then put the event in the failed-invocations queue"
        if invoked_async
        else "raised an unhandled error (answered 500)"
    )
    alarms: Json = {
        f"{logical_id}ErrorsAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": f"{logical_id} {what}. Runbook: README.md#runbook",
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": logical_id}}],
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                **actions,
            },
        }
    }
    days = _days_between_runs(events)
    if days is not None:
        alarms[f"{logical_id}NotRunAlarm"] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": (
                    f"{logical_id} was not invoked for {days} days although its schedule fires "
                    "more often: the EventBridge rule is disabled or failing. "
                    "Runbook: README.md#runbook"
                ),
                "Namespace": "AWS/Lambda",
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": logical_id}}],
                "Statistic": "Sum",
                "Period": 86400,
                "EvaluationPeriods": days,
                "DatapointsToAlarm": days,
                "Threshold": 1,
                "ComparisonOperator": "LessThanThreshold",
                "TreatMissingData": "breaching",
                **actions,
            },
        }
    return alarms


def _days_between_runs(events: Mapping[str, Any]) -> int | None:
    """Daily periods a did-not-run alarm must see empty: one more than the longest gap of the
    function's schedules; None when there is no schedule or the gap is too long to alarm on
    (CloudWatch looks back at most 7 days; a weekly job is watched by AllocationMissed)."""
    schedules = [
        str(event["Properties"]["Schedule"])
        for event in events.values()
        if event.get("Type") == "Schedule"
    ]
    if not schedules:
        return None
    year = (date(GAP_YEAR, 1, 1), date(GAP_YEAR, 12, 31))
    gap = min(longest_gap(expression, *year) for expression in schedules)
    days = math.ceil(gap / timedelta(days=1)) + 1
    return days if days <= MAX_ALARM_DAYS else None


def _drop_unused_default_role(resources: Json) -> None:
    if "DefaultRole" in resources and "DefaultRole" not in json.dumps(
        {k: v for k, v in resources.items() if k != "DefaultRole"}
    ):
        del resources["DefaultRole"]


# -- dashboard ------------------------------------------------------------------------------


def _dashboard(functions: list[str], resources: Mapping[str, Any], spec: Mapping[str, Any]) -> Json:
    def app(name: str, stat: str = "Sum") -> list[Any]:
        return [
            METRICS_NAMESPACE,
            name,
            METRICS_DIMENSION["Name"],
            METRICS_DIMENSION["Value"],
            {"stat": stat},
        ]

    def graph(title: str, metrics: list[list[Any]], period: int = 3600, **extra: Any) -> Json:
        return {
            "type": "metric",
            "width": 8,
            "height": 6,
            "properties": {
                "title": title,
                "region": "${AWS::Region}",
                "view": "timeSeries",
                "period": period,
                "metrics": metrics,
                **extra,
            },
        }

    alarms = sorted(
        lid for lid, r in resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"
    )
    widgets: list[Json] = [
        {
            "type": "alarm",
            "width": 24,
            "height": 4,
            "properties": {
                "title": "Alarms (runbook: README.md)",
                "alarms": [f"${{{alarm}.Arn}}" for alarm in alarms],
            },
        },
        graph(
            "Applicants",
            [app("RegistrationsCreated"), app("DocumentsVerified"), app("DocumentsRejected")],
        ),
        graph(
            "Queue",
            [app("QueueLength", "Maximum"), app("OldestExpiryWaitingDays", "Maximum")],
        ),
        graph(
            "Allocation (per day)",
            [app("Invitations"), app("NoShows"), app("AllocationMissed", "Maximum")],
            period=86400,
        ),
        graph("Allocation duration (ms)", [app("AllocationDuration", "Maximum")], period=86400),
        graph("Mail", [app("MailsSent"), app("MailsFailed"), app("MailsUndeliverable")]),
        graph(
            "API requests and errors",
            [
                ["AWS/ApiGateway", "Count", *API_METRIC_DIMENSIONS, {"stat": "Sum"}],
                ["AWS/ApiGateway", "4XXError", *API_METRIC_DIMENSIONS, {"stat": "Sum"}],
                ["AWS/ApiGateway", "5XXError", *API_METRIC_DIMENSIONS, {"stat": "Sum"}],
            ],
            period=300,
        ),
        graph(
            "API latency (ms)",
            [["AWS/ApiGateway", "Latency", *API_METRIC_DIMENSIONS, {"stat": "p95"}]],
            period=300,
        ),
        graph(
            "WAF blocked requests",
            [
                [
                    "AWS/WAFV2",
                    "BlockedRequests",
                    "WebACL",
                    _sub_text(resources[spec["web_acl"]]["Properties"]["Name"]),
                    "Rule",
                    "ALL",
                    "Region",
                    "${AWS::Region}",
                    {"stat": "Sum"},
                ]
            ],
            period=300,
        ),
        graph(
            "Failed invocations queue",
            [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    "${" + spec["failure_queue"] + ".QueueName}",
                    {"stat": "Maximum"},
                ]
            ],
            period=300,
        ),
        graph(
            "Function errors",
            [
                ["AWS/Lambda", "Errors", "FunctionName", f"${{{f}}}", {"stat": "Sum"}]
                for f in functions
            ],
            period=300,
        ),
        graph(
            "Function duration p95 (ms)",
            [
                ["AWS/Lambda", "Duration", "FunctionName", f"${{{f}}}", {"stat": "p95"}]
                for f in functions
            ],
            period=300,
        ),
    ]
    body = {"widgets": widgets}
    return {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": {"Fn::Sub": "${AWS::StackName}-operations"},
            "DashboardBody": {"Fn::Sub": json.dumps(body, separators=(",", ":"))},
        },
    }


def _sub_text(value: Any) -> str:
    """A name written as a literal or as Fn::Sub text, for use inside another Fn::Sub."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return str(value["Fn::Sub"])
    raise FinalizeError(f"expected a literal or an Fn::Sub string, not {value!r}")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m infra.finalize <chalice sam.json> <output template.json>")
        return 2
    source, target = (Path(a) for a in argv)
    try:
        finished = finalize(json.loads(source.read_text(encoding="utf-8")), load_spec())
    except FinalizeError as error:
        print(f"infra/finalize.py: {error}", file=sys.stderr)
        return 1
    target.write_text(json.dumps(finished, indent=2) + "\n", encoding="utf-8")
    counts: dict[str, int] = {}
    for resource in finished["Resources"].values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    print(f"{target}: {sum(counts.values())} resources")
    for kind, count in sorted(counts.items()):
        print(f"  {count:3d} {kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
