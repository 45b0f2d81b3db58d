"""`make allocate` (infra/allocate.py) when the emulation is not there: a sentence, not a trace."""

from __future__ import annotations

import socket

import pytest

from infra import allocate


def _a_closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_emulation_is_said_with_the_way_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = f"http://127.0.0.1:{_a_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    assert allocate.main(["--at", "07:45"]) == 2

    err = capsys.readouterr().err
    assert f"cannot reach the AWS emulation at {endpoint}" in err
    assert "make run" in err
    assert "Traceback" not in err
