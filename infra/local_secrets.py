"""The local stage's keys, made in the emulation's Secrets Manager (`make run`, the tests).

The stage names each secret in its <KEY>_SECRET variable (.chalice/config.json, stage
`local`); the service reads it from Secrets Manager as in the cloud (chalicelib/config.py,
Secrets). The values are the stage's, local only and not secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.config import ALTCHA_HMAC_KEY, IDENTITY_KEY, LINK_KEY, secret_variable

LOCAL_KEYS = {
    IDENTITY_KEY: "local-only-identity-key-not-secret",
    LINK_KEY: "local-only-link-key-not-secret",
    ALTCHA_HMAC_KEY: "local-only-altcha-key-not-secret",
}


def create_stage_secrets(client: Any, environment: Mapping[str, str]) -> dict[str, str]:
    """Each key of LOCAL_KEYS as the secret its variable in `environment` names, made with a
    Secrets Manager `client` of the emulation (a secret already there gets the stage's value
    as its current one); {key: the secret's ARN}."""
    made: dict[str, str] = {}
    for key, value in LOCAL_KEYS.items():
        name = environment[secret_variable(key)]
        try:
            answer = client.create_secret(
                Name=name,
                Description=f"Notfalltermin {key} (local stage, not secret)",
                SecretString=value,
            )
        except client.exceptions.ResourceExistsException:
            answer = client.put_secret_value(SecretId=name, SecretString=value)
        made[key] = answer["ARN"]
    return made
