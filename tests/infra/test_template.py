"""The packaged template: it lints, and it has the protections, roles, logs and alarms it needs."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from chalicelib import config, observability
from infra.web_form import content_security_policy
from tests.infra.conftest import REGION, ROOT, Packaged, tool

ALARM_TOPIC = {"Ref": "AlarmTopic"}
FORM_ORIGIN = {
    "Fn::If": [
        "HasWebDomain",
        {"Fn::Sub": "https://${WebDomainName}"},
        {"Fn::Sub": "https://${WebDistribution.DomainName}"},
    ]
}
# The settings every function reads at start (chalicelib/config.py), and those it needs to
# reach the stack's resources.
FROM_THE_TEMPLATE = (
    config.TABLE_NAME,
    config.DOCUMENTS_BUCKET,
    config.MAIL_SENDER,
    config.WEB_BASE_URL,
    config.COGNITO_USER_POOL_ID,
    config.COGNITO_CLIENT_ID,
    config.SES_CONFIGURATION_SET,
)


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in role["Properties"]["Policies"]:
        found.extend(policy["PolicyDocument"]["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_of(packaged: Packaged, function: dict[str, Any]) -> dict[str, Any]:
    role = function["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"}, role
    logical_id, attribute = role["Fn::GetAtt"]
    assert attribute == "Arn"
    resource: dict[str, Any] = packaged.resources[logical_id]
    assert resource["Type"] == "AWS::IAM::Role"
    return resource


def names_a_stack_resource(packaged: Packaged, resource: Any) -> bool:
    """A Ref or GetAtt of the stack's resources, or an ARN built (Fn::Sub) on one of them or on
    a parameter: never "*", never a literal ARN of something else."""
    if not isinstance(resource, dict) or len(resource) != 1:
        return False
    ((kind, value),) = resource.items()
    known = set(packaged.resources) | set(packaged.template["Parameters"])
    if kind == "Ref":
        return value in known
    if kind == "Fn::GetAtt":
        return value[0] in packaged.resources
    if kind == "Fn::Sub":
        text, variables = (value, {}) if isinstance(value, str) else value
        named = {p.split(".")[0] for p in re.findall(r"\$\{([^}]+)\}", text)}
        return bool(named & (known | set(variables))) and ":*" not in text
    return False


# Actions whose only resource is "*" (the IAM service authorization reference lists no resource
# types for them): allowed alone in their statement.
NO_RESOURCE_LEVEL_PERMISSIONS = ["textract:DetectDocumentText"]


def is_async(function: dict[str, Any]) -> bool:
    """Invoked by an event (not polled from a queue, whose own dead-letter queue takes what
    fails: the read requests, test_read_requests_retry_then_land_in_their_dead_letter_queue)."""
    events = function["Properties"].get("Events") or {}
    return any(e["Type"] != "SQS" for e in events.values())


# -- the template as a whole --------------------------------------------------------------


def test_cfn_lint_passes(packaged: Packaged) -> None:
    done = subprocess.run(
        [tool("cfn-lint"), "--regions", REGION, "--", str(packaged.path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_app_and_its_functions_are_all_there(packaged: Packaged) -> None:
    assert {"APIHandler", "MailEvents"} <= set(packaged.functions)
    assert packaged.resources["RestAPI"]["Type"] == "AWS::Serverless::Api"
    assert "DefaultRole" not in packaged.resources  # no shared, broad role


def test_the_scheduled_jobs_get_five_minutes_and_the_other_functions_one(
    packaged: Packaged,
) -> None:
    # A full day (up to MAX_SLOTS invitations, a transaction and a mail each) must fit in one
    # run; the API answers within API Gateway's 29 s anyway.
    timeouts = {lid: f["Properties"]["Timeout"] for lid, f in packaged.functions.items()}

    assert timeouts == {
        "APIHandler": 60,
        "StaffAPIHandler": 60,
        "MailEvents": 60,
        "ReadDocument": 60,
        "MakeSafeCopy": 60,
        "AllocateMorning": 300,
        "AllocateThursday": 300,
        "TopUp": 300,
        "EndOfDay": 300,
        "PurgeExpired": 300,
    }


# -- data -----------------------------------------------------------------------------------


def test_the_table_is_on_demand_recoverable_encrypted_expiring_and_protected(
    packaged: Packaged,
) -> None:
    table = packaged.resources["Table"]
    props = table["Properties"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert [index["IndexName"] for index in props["GlobalSecondaryIndexes"]] == ["queue"]


def test_the_documents_bucket_is_private_kms_encrypted_tls_only_and_tidied(
    packaged: Packaged,
) -> None:
    bucket = packaged.resources["DocumentsBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]},
    }
    assert packaged.resources["DataKey"]["Properties"]["EnableKeyRotation"] is True
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["abandoned-uploads"]["Prefix"] == "uploads/"
    assert rules["abandoned-uploads"]["ExpirationInDays"] <= 2
    assert rules["unfinished-multipart"]["AbortIncompleteMultipartUpload"]
    assert_denies_plain_http(packaged, "DocumentsBucketPolicy", "DocumentsBucket")


def test_the_documents_bucket_answers_cors_for_the_forms_origin_only(packaged: Packaged) -> None:
    rules = packaged.resources["DocumentsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert all(rule["AllowedOrigins"] == [FORM_ORIGIN] for rule in rules)
    # uploads by POST; the staff console (/staff/ of the same origin) reads PDFs by GET
    assert {rule["Id"]: rule["AllowedMethods"] for rule in rules} == {
        "form-uploads": ["POST"],
        "staff-console-reads": ["GET"],
    }
    # the same origin the mails link to and the API allows
    for function in packaged.functions.values():
        assert function["Properties"]["Environment"]["Variables"]["WEB_BASE_URL"] == FORM_ORIGIN


def assert_denies_plain_http(packaged: Packaged, policy: str, bucket: str) -> None:
    document = packaged.resources[policy]["Properties"]["PolicyDocument"]
    assert packaged.resources[policy]["Properties"]["Bucket"] == {"Ref": bucket}
    denials = [
        s
        for s in document["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert denials, f"{policy} does not deny plain HTTP"
    (denial,) = denials
    assert denial["Principal"] == "*"
    assert denial["Resource"] == [
        {"Fn::GetAtt": [bucket, "Arn"]},
        {"Fn::Sub": f"${{{bucket}.Arn}}/*"},
    ]


def test_the_web_bucket_is_private_and_read_only_by_its_distribution(packaged: Packaged) -> None:
    props = packaged.resources["WebBucket"]["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert_denies_plain_http(packaged, "WebBucketPolicy", "WebBucket")
    allows = [
        s
        for s in packaged.resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert allows == [
        {
            "Sid": "CloudFrontReadsTheForm",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${WebBucket.Arn}/*"},
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                        ":distribution/${WebDistribution}"
                    }
                }
            },
        }
    ]
    distribution = packaged.resources["WebDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = distribution["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy OAI
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    oac = packaged.resources["WebOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert oac["SigningBehavior"] == "always"
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_form_is_served_with_the_content_security_policy_it_is_tested_with(
    packaged: Packaged,
) -> None:
    headers = packaged.resources["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    bucket = "${AWS::StackName}-documents-${AWS::AccountId}"
    assert csp["ContentSecurityPolicy"] == {
        "Fn::Sub": content_security_policy(
            [
                f"https://{bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}",
                f"https://{bucket}.s3.${{AWS::URLSuffix}}",
                "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}",
            ]
        )
    }
    assert packaged.resources["DocumentsBucket"]["Properties"]["BucketName"] == {"Fn::Sub": bucket}
    config_ = packaged.resources["WebDistribution"]["Properties"]["DistributionConfig"]
    assert config_["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": "WebSecurityHeaders"
    }


# -- staff sign-in ----------------------------------------------------------------------------


def test_the_staff_pool_is_invitation_only_with_mfa_and_two_groups(packaged: Packaged) -> None:
    pool = packaged.resources["UserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "ON"  # Cognito cannot require MFA per group
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert pool["DeletionProtection"] == "ACTIVE"
    # A user name of the office's choosing, the e-mail address an alias: the access token's
    # username (what the audit records as who) is then a name, not the pool's random id.
    assert "UsernameAttributes" not in pool
    assert pool["AliasAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    groups = {
        g["Properties"]["GroupName"]: g["Properties"]["UserPoolId"]
        for g in packaged.of_type("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {"staff": {"Ref": "UserPool"}, "admin": {"Ref": "UserPool"}}
    (client,) = packaged.of_type("AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["GenerateSecret"] is False
    assert client["Properties"]["PreventUserExistenceErrors"] == "ENABLED"
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["Properties"]["ExplicitAuthFlows"]


# -- functions --------------------------------------------------------------------------------


def test_every_function_has_its_own_role_without_wildcards(packaged: Packaged) -> None:
    roles = set()
    for logical_id, function in packaged.functions.items():
        role = role_of(packaged, function)
        roles.add(function["Properties"]["Role"]["Fn::GetAtt"][0])
        assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
        assert "ManagedPolicyArns" not in role["Properties"]
        for statement in statements(role):
            # Allows, and the one explicit deny that keeps the audit append-only (issue 16).
            if statement["Effect"] == "Deny":
                assert statement["Resource"] == {"Fn::GetAtt": ["AuditTable", "Arn"]}
                continue
            assert statement["Effect"] == "Allow", (logical_id, statement)
            for action in as_list(statement["Action"]):
                assert "*" not in action, (logical_id, action)
            if as_list(statement["Action"]) == NO_RESOURCE_LEVEL_PERMISSIONS:
                continue
            for resource in as_list(statement["Resource"]):
                assert names_a_stack_resource(packaged, resource), (logical_id, resource)
    assert len(roles) == len(packaged.functions)


def test_a_function_may_write_only_its_own_logs_and_cannot_create_log_groups(
    packaged: Packaged,
) -> None:
    for logical_id, function in packaged.functions.items():
        log_group = function["Properties"]["LoggingConfig"]["LogGroup"]
        assert log_group == {"Ref": f"{logical_id}LogGroup"}
        log_statements = [
            s
            for s in statements(role_of(packaged, function))
            if any(str(a).startswith("logs:") for a in as_list(s["Action"]))
        ]
        assert log_statements == [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": {"Fn::GetAtt": [f"{logical_id}LogGroup", "Arn"]},
            }
        ]


def test_only_the_api_reads_documents_and_the_mail_event_function_only_marks_mail(
    packaged: Packaged,
) -> None:
    def actions(logical_id: str) -> set[str]:
        role = role_of(packaged, packaged.functions[logical_id])
        # Decrypting its keys through Secrets Manager only: tests/infra/test_secrets.py.
        return {
            a
            for s in statements(role)
            if s.get("Sid") != "DecryptOwnSecrets"
            for a in as_list(s["Action"])
        }

    assert "s3:GetObject" in actions("APIHandler")
    assert actions("MailEvents") == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
    }
    # The nightly purge may list and delete documents, never read or write them.
    assert {a for a in actions("PurgeExpired") if a.startswith(("s3:", "kms:"))} == {
        "s3:ListBucket",
        "s3:DeleteObject",
    }
    # The reader reads verified documents (for Textract, which reads with the caller's rights).
    reader = role_of(packaged, packaged.functions["ReadDocument"])
    assert [
        s["Resource"] for s in statements(reader) if "s3:GetObject" in as_list(s["Action"])
    ] == [{"Fn::Sub": "${DocumentsBucket.Arn}/documents/*"}]
    for logical_id in packaged.functions:
        if logical_id not in {
            "APIHandler",
            "StaffAPIHandler",
            "PurgeExpired",
            "ReadDocument",
            "MakeSafeCopy",
        }:
            assert not any(a.startswith(("s3:", "kms:")) for a in actions(logical_id)), logical_id


def test_read_requests_retry_then_land_in_their_dead_letter_queue(packaged: Packaged) -> None:
    events = packaged.functions["ReadDocument"]["Properties"]["Events"]
    (source,) = events.values()
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["ReadRequestsQueue", "Arn"]}
    queue = packaged.resources["ReadRequestsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["ReadRequestsDeadLetterQueue", "Arn"]
    }
    # Longer than the reader's timeout, so a message is not taken twice while being read.
    assert (
        queue["VisibilityTimeout"]
        >= 6 * packaged.functions["ReadDocument"]["Properties"]["Timeout"]
    )
    alarm = packaged.resources["ReadRequestsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["ReadRequestsDeadLetterQueue", "QueueName"]
    }


def test_every_log_group_keeps_its_events_for_a_limited_time(packaged: Packaged) -> None:
    log_groups = packaged.of_type("AWS::Logs::LogGroup")
    assert len(log_groups) >= len(packaged.functions)
    for logical_id, group in log_groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id
    retention = packaged.template["Parameters"]["LogRetentionDays"]
    assert max(retention["AllowedValues"]) <= 365
    # Access logs (issue 16): to their own group, kept as long as the others.
    access = packaged.resources["RestAPI"]["Properties"]["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}


def test_functions_take_their_settings_from_the_stack_and_the_key_from_secrets_manager(
    packaged: Packaged,
) -> None:
    # The keys themselves: tests/infra/test_secrets.py.
    for logical_id, function in packaged.functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        for name in FROM_THE_TEMPLATE:
            assert isinstance(variables.get(name), dict), (logical_id, name)
    secret = packaged.resources["IdentityKeySecret"]
    assert secret["DeletionPolicy"] == "Retain"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert "RotationRules" not in json.dumps(packaged.template)
    prod = json.loads((ROOT / ".chalice/config.json").read_text())["stages"]["prod"]
    for key in config.SECRET_KEYS:
        assert key not in prod.get("environment_variables", {})


def test_asynchronous_functions_retry_then_land_in_the_failed_invocations_queue(
    packaged: Packaged,
) -> None:
    queue = {"Fn::GetAtt": ["FailedInvocationsQueue", "Arn"]}
    asynchronous = {lid for lid, f in packaged.functions.items() if is_async(f)}
    assert "MailEvents" in asynchronous
    assert "APIHandler" not in asynchronous
    for logical_id in asynchronous:
        props = packaged.functions[logical_id]["Properties"]
        assert props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"] == {
            "Type": "SQS",
            "Destination": queue,
        }
        assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
        for event in props["Events"].values():
            if event["Type"] == "Schedule":
                assert event["Properties"]["DeadLetterConfig"] == {"Arn": queue}
            if event["Type"] == "SNS":
                assert event["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": queue}
        sends = [
            s
            for s in statements(role_of(packaged, packaged.functions[logical_id]))
            if s["Action"] == "sqs:SendMessage"
        ]
        assert [s["Resource"] for s in sends] == [queue]


def test_bounces_and_complaints_reach_the_mail_event_function(packaged: Packaged) -> None:
    destination = packaged.resources["MailEventDestination"]["Properties"]
    assert destination["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    assert sorted(destination["EventDestination"]["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["EventDestination"]["SnsDestination"] == {
        "TopicARN": {"Ref": "MailEventsTopic"}
    }
    (subscription,) = packaged.functions["MailEvents"]["Properties"]["Events"].values()
    assert subscription["Type"] == "SNS"
    assert subscription["Properties"]["Topic"] == {"Ref": "MailEventsTopic"}
    env = packaged.functions["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env[config.SES_CONFIGURATION_SET] == {"Ref": "MailConfigurationSet"}


# -- the edge ---------------------------------------------------------------------------------


def test_waf_limits_each_ip_on_the_api_stage(packaged: Packaged) -> None:
    acl = packaged.resources["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    rates = [
        r
        for r in acl["Rules"]
        if "RateBasedStatement" in r["Statement"]
        and "ScopeDownStatement" not in r["Statement"]["RateBasedStatement"]
    ]
    assert len(rates) == 1  # the general one; registrations have their own (issue 16)
    assert rates[0]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rates[0]["Action"] == {"Block": {}}
    association = packaged.resources["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    assert "/restapis/${RestAPI}/stages/${RestAPI.Stage}" in association["ResourceArn"]["Fn::Sub"]


# -- operations -------------------------------------------------------------------------------


def test_the_alarms_exist_and_notify_operations(packaged: Packaged) -> None:
    alarms = packaged.of_type("AWS::CloudWatch::Alarm")
    expected = {"Api5xxRateAlarm", "MailsFailedAlarm", "AllocationMissedAlarm"}
    expected |= {"FailedInvocationsAlarm", "MailBounceRateAlarm"}
    expected |= {f"{lid}ErrorsAlarm" for lid in packaged.functions}
    assert expected <= set(alarms)
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [ALARM_TOPIC], logical_id
        assert "README.md#runbook" in alarm["Properties"]["AlarmDescription"], logical_id
    (subscription,) = packaged.of_type("AWS::SNS::Subscription").values()
    assert subscription["Properties"] == {
        "TopicArn": ALARM_TOPIC,
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


def test_application_alarms_watch_the_metrics_the_code_emits(packaged: Packaged) -> None:
    for alarm_id, metric in (
        ("MailsFailedAlarm", observability.MAILS_FAILED),
        ("AllocationMissedAlarm", observability.ALLOCATION_MISSED),
    ):
        props = packaged.resources[alarm_id]["Properties"]
        assert props["Namespace"] == observability.METRICS_NAMESPACE
        assert props["MetricName"] == metric
        assert props["Dimensions"] == [{"Name": "service", "Value": observability.SERVICE_NAME}]
        assert props["TreatMissingData"] == "notBreaching"


def test_the_5xx_alarm_watches_this_api_and_stage(packaged: Packaged) -> None:
    api = packaged.resources["RestAPI"]["Properties"]
    title = api["DefinitionBody"]["info"]["title"]
    metrics = packaged.resources["Api5xxRateAlarm"]["Properties"]["Metrics"]
    watched = [m["MetricStat"]["Metric"] for m in metrics if "MetricStat" in m]
    assert {m["MetricName"] for m in watched} == {"5XXError", "Count"}
    for metric in watched:
        assert metric["Dimensions"] == [
            {"Name": "ApiName", "Value": title},
            {"Name": "Stage", "Value": api["StageName"]},
        ]


def test_the_dead_letter_alarm_watches_the_failed_invocations_queue(packaged: Packaged) -> None:
    props = packaged.resources["FailedInvocationsAlarm"]["Properties"]
    assert props["Namespace"] == "AWS/SQS"
    assert props["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailedInvocationsQueue", "QueueName"]}}
    ]
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_dashboard_shows_every_alarm_and_the_service_metrics(packaged: Packaged) -> None:
    body_text = packaged.resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    # what Fn::Sub would put in: every placeholder must name a resource or a pseudo parameter
    for placeholder in re.findall(r"\$\{([^}]+)\}", body_text):
        name = placeholder.split(".")[0]
        assert name.startswith("AWS::") or name in packaged.resources, placeholder
    body = json.loads(body_text)
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    alarms = packaged.of_type("AWS::CloudWatch::Alarm")
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(f"${{{a}.Arn}}" for a in alarms)
    shown = {
        metric[1]
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for metric in widget["properties"]["metrics"]
        if metric[0] == observability.METRICS_NAMESPACE
    }
    assert shown == {
        observability.REGISTRATIONS_CREATED,
        observability.DOCUMENTS_VERIFIED,
        observability.DOCUMENTS_REJECTED,
        observability.MAILS_SENT,
        observability.MAILS_FAILED,
        observability.MAILS_UNDELIVERABLE,
        observability.QUEUE_LENGTH,
        observability.OLDEST_EXPIRY_WAITING_DAYS,
        observability.INVITATIONS,
        observability.NO_SHOWS,
        observability.ALLOCATION_DURATION,
        observability.ALLOCATION_MISSED,
    }


@pytest.mark.parametrize("parameter", ["MailSender", "AlarmEmail"])
def test_deploying_needs_the_mail_sender_and_the_alarm_mailbox(
    packaged: Packaged, parameter: str
) -> None:
    assert "Default" not in packaged.template["Parameters"][parameter]
