"""The deployed staff console (/staff/* of the web distribution) is served with the policy its
browser tests run under locally, with the cloud's Cognito, API and documents hosts."""

from __future__ import annotations

from infra.staff_console import content_security_policy
from tests.infra.conftest import Packaged


def test_the_staff_console_has_its_own_content_security_policy(packaged: Packaged) -> None:
    config_ = packaged.resources["WebDistribution"]["Properties"]["DistributionConfig"]
    (staff,) = [b for b in config_["CacheBehaviors"] if b["PathPattern"] == "staff/*"]
    assert staff["ResponseHeadersPolicyId"] == {"Ref": "StaffSecurityHeaders"}
    assert staff["ViewerProtocolPolicy"] == "redirect-to-https"
    policy = packaged.resources["StaffSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    bucket = "${AWS::StackName}-documents-${AWS::AccountId}"
    assert csp == {
        "Fn::Sub": content_security_policy(
            [
                "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}",
                "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}",
            ],
            [
                f"https://{bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}",
                f"https://{bucket}.s3.${{AWS::URLSuffix}}",
            ],
        )
    }


def test_the_app_client_allows_what_the_console_signs_in_with(packaged: Packaged) -> None:
    client = packaged.resources["UserPoolClient"]["Properties"]
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert client["GenerateSecret"] is False
    assert client["EnableTokenRevocation"] is True
    pool = packaged.resources["UserPool"]["Properties"]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_the_console_may_read_documents_from_the_bucket_for_pdfs(packaged: Packaged) -> None:
    rules = packaged.resources["DocumentsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    reads = [r for r in rules if r["Id"] == "staff-console-reads"]
    assert [r["AllowedMethods"] for r in reads] == [["GET"]]
    uploads = next(r for r in rules if r["Id"] == "form-uploads")
    assert reads[0]["AllowedOrigins"] == uploads["AllowedOrigins"]
