"""The API is two functions of one package (issue 17): the applicant's, whose cold start people
wait for, imports only the applicant's routes; the staff console's serves every path under
/staff. The packaged template sends each path to its function and gives each its own role."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

from infra.finalize import API_ALIAS, API_FUNCTION, API_HANDLERS, STAFF_API_FUNCTION, is_staff_path
from tests.infra.conftest import ROOT, Packaged
from tests.infra.test_template import as_list, role_of, statements

# Prints the routes ({path: [methods]}) of the Chalice app of each module named, each module
# imported in its own interpreter (a blueprint answers from the app it was registered with last).
_ROUTES = """
import importlib, json, sys
app = importlib.import_module(sys.argv[1]).app
print(json.dumps({path: sorted(methods) for path, methods in app.routes.items()}))
"""


def _routes(module: str) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _ROUTES, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    routes: dict[str, list[str]] = json.loads(done.stdout)
    return routes


def _module(function: str) -> str:
    return API_HANDLERS[function].rpartition(".")[0]


def _integrated(operations: dict[str, Any]) -> set[str]:
    return set(re.findall(r"functions/([^/\"]+)/invocations", json.dumps(operations)))


def _actions(packaged: Packaged, function: str) -> dict[str, set[str]]:
    """Allowed actions of the function's role by resource (as JSON text), denied ones under
    "Deny"."""
    found: dict[str, set[str]] = {}
    for statement in statements(role_of(packaged, packaged.functions[function])):
        for resource in as_list(statement["Resource"]):
            key = "Deny" if statement["Effect"] == "Deny" else json.dumps(resource)
            found.setdefault(key, set()).update(as_list(statement["Action"]))
    return found


def test_the_two_functions_serve_every_route_of_the_app_once() -> None:
    applicant = _routes(_module(API_FUNCTION))
    staff = _routes(_module(STAFF_API_FUNCTION))
    everything = _routes("app")

    assert set(applicant) | set(staff) == set(everything)
    assert not set(applicant) & set(staff)
    assert {**applicant, **staff} == everything
    assert all(is_staff_path(path) for path in staff)
    assert not any(is_staff_path(path) for path in applicant)
    assert {"/registrations", "/registrations/{registration_id}", "/office"} <= set(applicant)


def test_each_path_is_integrated_with_its_function(packaged: Packaged) -> None:
    paths = packaged.resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    staff_paths = {path for path in paths if is_staff_path(path)}

    assert len(staff_paths) >= 10 and len(paths) - len(staff_paths) >= 8
    for path, operations in paths.items():
        expected = (
            f"${{{STAFF_API_FUNCTION}.Arn}}"
            if path in staff_paths
            else f"${{{API_FUNCTION}.Arn}}:{API_ALIAS}"  # provisioned concurrency: the alias
        )
        assert _integrated(operations) == {expected}, path


def test_each_function_runs_its_own_module(packaged: Packaged) -> None:
    handlers = {
        name: packaged.functions[name]["Properties"]["Handler"]
        for name in (API_FUNCTION, STAFF_API_FUNCTION)
    }

    assert handlers == {
        API_FUNCTION: "chalicelib.applicant_api.app",
        STAFF_API_FUNCTION: "chalicelib.staff_api.app",
    }
    applicant, staff = (packaged.functions[n]["Properties"] for n in handlers)
    assert applicant["AutoPublishAlias"] == API_ALIAS
    assert "AutoPublishAlias" not in staff  # the runs' provisioned concurrency is the applicant's
    # The same settings; of the keys each names only its own (tests/infra/test_secrets.py).
    assert _settings(staff) == _settings(applicant)
    assert (staff["Runtime"], staff["MemorySize"], staff["Timeout"]) == (
        applicant["Runtime"],
        applicant["MemorySize"],
        applicant["Timeout"],
    )


def test_api_gateway_may_invoke_the_staff_function_for_staff_paths_only(
    packaged: Packaged,
) -> None:
    permission = packaged.resources[f"{STAFF_API_FUNCTION}InvokePermission"]["Properties"]

    assert permission["FunctionName"] == {"Ref": STAFF_API_FUNCTION}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    source, names = permission["SourceArn"]["Fn::Sub"]
    assert source.endswith(":${RestAPIId}/*/*/staff/*")
    assert names == {"RestAPIId": {"Ref": "RestAPI"}}
    applicant = packaged.resources[f"{API_FUNCTION}InvokePermission"]["Properties"]
    assert applicant["FunctionName"] == {"Ref": f"{API_FUNCTION}.Alias"}


def test_only_the_staff_function_may_append_to_the_audit_or_scan(packaged: Packaged) -> None:
    applicant = _actions(packaged, API_FUNCTION)
    staff = _actions(packaged, STAFF_API_FUNCTION)
    audit = json.dumps({"Fn::GetAtt": ["AuditTable", "Arn"]})
    table = json.dumps({"Fn::GetAtt": ["Table", "Arn"]})

    assert audit not in applicant
    assert {"dynamodb:PutItem", "dynamodb:Query"} <= staff[audit]
    assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} & staff[audit]
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= staff["Deny"]
    # The status read's counts are one BatchGetItem; only staff lists scan the table.
    assert "dynamodb:BatchGetItem" in applicant[table] and "dynamodb:BatchGetItem" in staff[table]
    assert "dynamodb:Scan" not in applicant[table] and "dynamodb:Scan" in staff[table]
    # Both send mail and handle documents (uploads; staff open them).
    for actions in (applicant, staff):
        everything = set().union(*actions.values())
        assert {"ses:SendEmail", "s3:GetObject", "s3:PutObject"} <= everything


def _settings(props: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = props["Environment"]["Variables"]
    return {name: value for name, value in variables.items() if not name.endswith("_SECRET")}
