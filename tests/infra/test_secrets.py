"""The keys in the packaged template (issue 16, item 7): in Secrets Manager, never in a
function's environment; each function names and may read only the secrets it uses."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import config
from tests.infra.conftest import Packaged
from tests.infra.test_template import as_list, role_of, statements

SECRET_RESOURCES = {
    config.IDENTITY_KEY: "IdentityKeySecret",
    config.LINK_KEY: "LinkKeySecret",
    config.ALTCHA_HMAC_KEY: "AltchaKeySecret",
}
# Who uses which key: the applicant API all three (the identity lock, the mails' links, the
# proof of work); the staff API the identity key (reviews and voids move locks) and the link
# key (desk passes, mails); the allocation jobs the link key (links and entrance passes in the
# invitations); the document reader the identity key (a corrected birth date moves the lock)
# and the link key (its mails); the purge, the mail event function and the sanitiser none.
# A function not listed reads none.
EXPECTED = {
    "APIHandler": {config.IDENTITY_KEY, config.LINK_KEY, config.ALTCHA_HMAC_KEY},
    "StaffAPIHandler": {config.IDENTITY_KEY, config.LINK_KEY},
    "AllocateMorning": {config.LINK_KEY},
    "AllocateThursday": {config.LINK_KEY},
    "TopUp": {config.LINK_KEY},
    "EndOfDay": {config.LINK_KEY},
    "ReadDocument": {config.IDENTITY_KEY, config.LINK_KEY},
    "PurgeExpired": set(),
    "MailEvents": set(),
}


def named_keys(function: dict[str, Any]) -> set[str]:
    variables = function["Properties"]["Environment"]["Variables"]
    return {key for key in config.SECRET_KEYS if config.secret_variable(key) in variables}


def readable_secrets(role: dict[str, Any]) -> set[str]:
    """The secrets (logical ids) the role may read; fails on any other Secrets Manager grant."""
    found: set[str] = set()
    for statement in statements(role):
        actions = [a.lower() for a in as_list(statement["Action"])]
        if not any(a.startswith("secretsmanager:") for a in actions):
            continue
        assert statement["Effect"] == "Allow"
        assert actions == ["secretsmanager:getsecretvalue"], statement
        for resource in as_list(statement["Resource"]):
            assert set(resource) == {"Ref"}, resource
            found.add(resource["Ref"])
    return found


def test_the_keys_live_in_secrets_manager_encrypted_with_the_stacks_key(
    packaged: Packaged,
) -> None:
    for key, logical_id in SECRET_RESOURCES.items():
        secret = packaged.resources[logical_id]
        assert secret["Type"] == "AWS::SecretsManager::Secret"
        assert secret["Properties"]["Description"].startswith(f"Notfalltermin {key}:")
        assert secret["Properties"]["KmsKeyId"] == {"Ref": "DataKey"}
        assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
        assert "SecretString" not in secret["Properties"]  # generated, in no file


def test_no_function_environment_holds_a_key(packaged: Packaged) -> None:
    for logical_id, function in packaged.functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert not set(config.SECRET_KEYS) & set(variables), logical_id
        # No dynamic reference: CloudFormation would resolve it into the value at deploy time.
        assert "resolve:secretsmanager" not in json.dumps(variables), logical_id
        for key in named_keys(function):
            assert variables[config.secret_variable(key)] == {"Ref": SECRET_RESOURCES[key]}
    assert "resolve:secretsmanager" not in json.dumps(packaged.template)


def test_each_function_names_only_the_keys_it_uses(packaged: Packaged) -> None:
    assert set(EXPECTED) <= set(packaged.functions)
    for logical_id, function in packaged.functions.items():
        assert named_keys(function) == EXPECTED.get(logical_id, set()), logical_id


def test_each_function_can_read_only_its_own_secrets(packaged: Packaged) -> None:
    for logical_id, function in packaged.functions.items():
        role = role_of(packaged, function)
        own = {SECRET_RESOURCES[key] for key in named_keys(function)}
        assert readable_secrets(role) == own, logical_id
        decrypts = [
            s
            for s in statements(role)
            if "kms:Decrypt" in as_list(s["Action"])
            and s["Condition"]["StringEquals"]["kms:ViaService"]
            == {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}
        ]
        # The secrets' key, and only through Secrets Manager (never a direct Decrypt).
        assert len(decrypts) == (1 if own else 0), logical_id
        for statement in decrypts:
            assert statement["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_no_other_role_of_the_stack_reads_a_key(packaged: Packaged) -> None:
    function_roles = {
        role_of(packaged, f)["Properties"]["Description"] for f in packaged.functions.values()
    }
    for logical_id, role in packaged.of_type("AWS::IAM::Role").items():
        if role["Properties"].get("Description") in function_roles:
            continue
        assert "secretsmanager:" not in json.dumps(role).lower(), logical_id
