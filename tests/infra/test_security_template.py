"""The packaged template's security resources of issue 16: what the review found missing."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.api.middleware import SECURITY_HEADERS
from tests.infra.conftest import Packaged

ALARM_TOPIC = {"Ref": "AlarmTopic"}


def rules(packaged: Packaged) -> dict[str, dict[str, Any]]:
    acl = packaged.resources["ApiWebAcl"]["Properties"]
    return {rule["Name"]: rule for rule in acl["Rules"]}


def test_api_gateways_own_answers_carry_the_security_headers(packaged: Packaged) -> None:
    responses = packaged.of_type("AWS::ApiGateway::GatewayResponse")
    assert {r["Properties"]["ResponseType"] for r in responses.values()} >= {
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    }
    for response in responses.values():
        headers = {
            name.removeprefix("gatewayresponse.header."): value
            for name, value in response["Properties"]["ResponseParameters"].items()
        }
        for name in ("X-Content-Type-Options", "Strict-Transport-Security", "Referrer-Policy"):
            assert headers[name] == f"'{SECURITY_HEADERS[name]}'", name
        assert "default-src \\'none\\'" in headers["Content-Security-Policy"]


def test_registrations_have_their_own_waf_limit_per_ip(packaged: Packaged) -> None:
    rule = rules(packaged)["registrations-per-ip"]
    assert rule["Action"] == {"Block": {}}
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["Limit"] == {"Ref": "RegistrationRateLimitPerIp"}
    assert rate["AggregateKeyType"] == "IP"
    matches = [
        s["ByteMatchStatement"] for s in rate["ScopeDownStatement"]["AndStatement"]["Statements"]
    ]
    assert {m["SearchString"] for m in matches} == {"POST", "/api/registrations"}
    parameters = packaged.template["Parameters"]
    assert (
        parameters["RegistrationRateLimitPerIp"]["Default"]
        < parameters["ApiRateLimitPerIp"]["Default"]
    )


def test_staff_routes_answer_only_the_offices_networks(packaged: Packaged) -> None:
    rule = rules(packaged)["staff-from-office-networks"]
    assert rule["Action"] == {"Block": {}}
    [path, outside] = rule["Statement"]["AndStatement"]["Statements"]
    assert path["ByteMatchStatement"]["SearchString"] == "/api/staff/"
    assert path["ByteMatchStatement"]["PositionalConstraint"] == "STARTS_WITH"
    reference = outside["NotStatement"]["Statement"]["IPSetReferenceStatement"]
    assert reference["Arn"] == {"Fn::GetAtt": ["StaffNetworkSet", "Arn"]}
    ip_set = packaged.resources["StaffNetworkSet"]["Properties"]
    assert ip_set["Addresses"] == {"Ref": "StaffNetworks"}
    assert (
        "set the office's egress ranges"
        in packaged.template["Parameters"]["StaffNetworks"]["Description"]
    )


def test_waf_and_api_gateway_keep_a_forensic_trail_without_secrets(packaged: Packaged) -> None:
    logging = packaged.resources["ApiWebAclLogging"]["Properties"]
    assert logging["LogDestinationConfigs"] == [{"Fn::GetAtt": ["WafLogGroup", "Arn"]}]
    assert {"SingleHeader": {"Name": "authorization"}} in logging["RedactedFields"]
    assert {"QueryString": {}} in logging["RedactedFields"]
    waf_group = packaged.resources["WafLogGroup"]["Properties"]
    assert waf_group["LogGroupName"] == {"Fn::Sub": "aws-waf-logs-${AWS::StackName}"}
    assert waf_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    [api] = [r for r in packaged.of_type("AWS::Serverless::Api").values()]
    access = api["Properties"]["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    for field in ("$context.identity.sourceIp", "$context.resourcePath", "$context.status"):
        assert field in access["Format"]
    assert "$context.path" not in access["Format"]  # the route template, never the path


def test_staff_access_tokens_live_15_minutes_and_are_revocable(packaged: Packaged) -> None:
    client = packaged.resources["UserPoolClient"]["Properties"]
    assert client["TokenValidityUnits"]["AccessToken"] == "minutes"
    assert client["AccessTokenValidity"] <= 15
    assert client["IdTokenValidity"] <= 15
    assert client["EnableTokenRevocation"] is True


def test_security_alarms_notify_operations(packaged: Packaged) -> None:
    alarms = packaged.of_type("AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"].get("Namespace"), a["Properties"].get("MetricName")): a
        for a in alarms.values()
    }
    for key in (
        ("AWS/SES", "Reputation.ComplaintRate"),
        ("AWS/SES", "Reputation.BounceRate"),
        ("AWS/WAFV2", "BlockedRequests"),
        ("AWS/ApiGateway", "4XXError"),
        ("Notfalltermin", "RegistrationsCreated"),
    ):
        alarm = watched[key]["Properties"]
        assert alarm["AlarmActions"] == [ALARM_TOPIC], key
        assert "Runbook" in alarm["AlarmDescription"], key
    complaint = watched[("AWS/SES", "Reputation.ComplaintRate")]["Properties"]
    assert complaint["Threshold"] < 0.001  # before SES reviews the account at 0.1%


def test_uploads_are_scanned_and_documents_have_an_erasure_backstop(packaged: Packaged) -> None:
    plan = packaged.resources["DocumentsMalwareProtection"]["Properties"]
    bucket = plan["ProtectedResource"]["S3Bucket"]
    assert bucket["BucketName"] == {"Ref": "DocumentsBucket"}
    assert bucket["ObjectPrefixes"] == ["uploads/"]
    assert plan["Actions"]["Tagging"]["Status"] == "ENABLED"
    api = packaged.functions["APIHandler"]["Properties"]
    # Both layers: the sanitiser function's safe copy, and GuardDuty's verdict on the upload.
    assert api["Environment"]["Variables"]["DOCUMENT_SCREENING"] == (
        "sanitiser-function+malware-scan"
    )
    lifecycle = packaged.resources["DocumentsBucket"]["Properties"]["LifecycleConfiguration"]
    rules = {r["Id"]: r for r in lifecycle["Rules"]}
    backstop = rules["erasure-backstop"]
    assert backstop["Prefix"] == "documents/" and backstop["Status"] == "Enabled"
    assert backstop["ExpirationInDays"] >= 90  # after every purge that could have run
    abandoned = rules["abandoned-safe-copies"]
    assert abandoned["Prefix"] == "safe-copies/" and abandoned["ExpirationInDays"] <= 2


# -- the sanitiser function (issue 16, item 6) ----------------------------------------------

SANITISER = "MakeSafeCopy"
LAYER = {"Ref": "SafeCopyLayer"}
QUEUE_ARN = {"Fn::GetAtt": ["SafeCopyRequestsQueue", "Arn"]}


def role_statements(packaged: Packaged, function: str) -> list[dict[str, Any]]:
    role_id = packaged.functions[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in packaged.resources[role_id]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def grants(statement: dict[str, Any]) -> set[tuple[str, str]]:
    """(action, resource) pairs of an Allow statement, resources as JSON text."""
    actions = statement["Action"]
    resources = statement["Resource"]
    return {
        (action, json.dumps(resource, sort_keys=True))
        for action in ([actions] if isinstance(actions, str) else actions)
        for resource in (resources if isinstance(resources, list) else [resources])
    }


def bucket_path(path: str) -> str:
    return json.dumps({"Fn::Sub": f"${{DocumentsBucket.Arn}}/{path}"}, sort_keys=True)


def test_the_sanitiser_is_a_function_of_its_own_with_the_only_layer(packaged: Packaged) -> None:
    sanitiser = packaged.functions[SANITISER]["Properties"]
    assert sanitiser["Handler"] == "chalicelib.screening.make_safe_copy"
    assert sanitiser["Layers"] == [LAYER]
    # The layer's wheels need glibc 2.28: Amazon Linux 2023, which python3.12 runs on.
    layer = packaged.resources["SafeCopyLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert sanitiser["Runtime"] in layer["Properties"]["CompatibleRuntimes"]
    assert sanitiser["Runtime"] == "python3.12"
    assert layer["Properties"]["ContentUri"] == "./safe-copy-layer.zip"
    assert sanitiser["MemorySize"] >= 1536  # 60 million pixels decoded are 180 MB
    others = {lid: f["Properties"] for lid, f in packaged.functions.items() if lid != SANITISER}
    for logical_id, function in others.items():
        assert "SafeCopyLayer" not in json.dumps(function.get("Layers", [])), logical_id
        assert function["Runtime"] == "python3.11", logical_id


def test_an_upload_lands_on_the_sanitisers_queue_which_has_a_dead_letter_queue(
    packaged: Packaged,
) -> None:
    bucket = packaged.resources["DocumentsBucket"]
    notifications = bucket["Properties"]["NotificationConfiguration"]
    assert notifications["QueueConfigurations"] == [
        {
            "Event": "s3:ObjectCreated:*",
            "Queue": QUEUE_ARN,
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}},
        }
    ]
    # GuardDuty's scan hears of uploads through EventBridge: the template must not switch it off.
    assert notifications["EventBridgeConfiguration"] == {"EventBridgeEnabled": True}
    assert bucket["DependsOn"] == "SafeCopyRequestsQueuePolicy"
    [event] = packaged.functions[SANITISER]["Properties"]["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == QUEUE_ARN
    assert event["Properties"]["BatchSize"] == 1
    queue = packaged.resources["SafeCopyRequestsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["SafeCopyRequestsDeadLetterQueue", "Arn"]
    }
    # Lambda needs the visibility at least the function's timeout (AWS recommends six times).
    assert queue["VisibilityTimeout"] >= 6 * packaged.functions[SANITISER]["Properties"]["Timeout"]
    alarm = packaged.resources["SafeCopyRequestsDeadLetterAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [ALARM_TOPIC] and "runbook" in alarm["AlarmDescription"]
    [sends] = [
        s
        for s in packaged.resources["SafeCopyRequestsQueuePolicy"]["Properties"]["PolicyDocument"][
            "Statement"
        ]
        if s["Effect"] == "Allow"
    ]
    assert sends["Principal"] == {"Service": "s3.amazonaws.com"}
    assert sends["Action"] == "sqs:SendMessage"
    bucket_name = bucket["Properties"]["BucketName"]["Fn::Sub"]
    assert sends["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket_name}"
    }


def test_the_sanitiser_may_read_uploads_and_write_safe_copies_nothing_else(
    packaged: Packaged,
) -> None:
    allowed: set[tuple[str, str]] = set()
    for statement in role_statements(packaged, SANITISER):
        assert statement["Effect"] == "Allow"
        if statement["Sid"] != "WriteOwnLogs":
            allowed |= grants(statement)
    data_key = json.dumps({"Fn::GetAtt": ["DataKey", "Arn"]}, sort_keys=True)
    queue = json.dumps(QUEUE_ARN, sort_keys=True)
    assert allowed == {
        ("s3:GetObject", bucket_path("uploads/*")),
        ("s3:PutObject", bucket_path("safe-copies/*")),
        ("kms:Decrypt", data_key),
        ("kms:GenerateDataKey", data_key),
        ("sqs:ReceiveMessage", queue),
        ("sqs:DeleteMessage", queue),
        ("sqs:GetQueueAttributes", queue),
        ("sqs:ChangeMessageVisibility", queue),
    }
    [key] = [s for s in role_statements(packaged, SANITISER) if s["Sid"] == "DocumentsKeyThroughS3"]
    assert key["Condition"]["StringEquals"]["kms:ViaService"] == {
        "Fn::Sub": "s3.${AWS::Region}.amazonaws.com"
    }


def test_only_the_sanitiser_writes_safe_copies(packaged: Packaged) -> None:
    copies = bucket_path("safe-copies/*")
    for logical_id in packaged.functions:
        writes = {
            action
            for statement in role_statements(packaged, logical_id)
            if statement["Effect"] == "Allow"
            for action, resource in grants(statement)
            if resource == copies and action in ("s3:PutObject", "s3:*")
        }
        assert writes == ({"s3:PutObject"} if logical_id == SANITISER else set()), logical_id


def test_the_audit_is_its_own_table_the_api_may_only_add_to(packaged: Packaged) -> None:
    table = packaged.resources["AuditTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["DeletionProtectionEnabled"] is True
    # The staff API function appends (the applicant's may not, tests/infra/test_api_functions.py).
    api = packaged.functions["StaffAPIHandler"]["Properties"]
    assert api["Environment"]["Variables"]["AUDIT_TABLE_NAME"] == {"Ref": "AuditTable"}
    role_id = api["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for policy in packaged.resources[role_id]["Properties"]["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
    ]
    audit = {"Fn::GetAtt": ["AuditTable", "Arn"]}
    allowed = {
        action
        for s in statements
        if s["Effect"] == "Allow"
        and audit in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert allowed == {"dynamodb:PutItem", "dynamodb:Query"}
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= set(deny["Action"])
    assert deny["Resource"] == audit
