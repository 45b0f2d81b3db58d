"""The local stack (moto server, its resources, `chalice local`, the web form), started once per
test session on free ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local_stack import HOST, LocalStack, free_ports


@pytest.fixture(scope="session")
def web_port() -> int:
    """The port the web form is served on in this session."""
    (port,) = free_ports(1)
    return port


@pytest.fixture(scope="session")
def local_stack_env(web_port: int) -> dict[str, str]:
    """Variables laid over the stage's config.json for the API; override this fixture to change.

    Mail links and the API's CORS follow the form's address: WEB_BASE_URL, and the allowed
    origins derived from it.
    """
    return {
        "WEB_BASE_URL": f"http://{HOST}:{web_port}",
        # The local stage serves round the clock (.chalice/config.json); a run at any hour of
        # the test session reaches the windows from five minutes later.
        "MINIMUM_NOTICE_MINUTES": "5",
    }


@pytest.fixture(scope="session")
def local_stack(
    tmp_path_factory: pytest.TempPathFactory, local_stack_env: dict[str, str], web_port: int
) -> Iterator[LocalStack]:
    """The running stack on free ports; its outbox and logs live in a temporary folder.

    Its schedules run only when a test calls `tick()`: a session that happens to span 07:45
    must not invite the queue under the tests' feet.
    """
    root = tmp_path_factory.mktemp("local-stack")
    moto_port, api_port = [port for port in free_ports(3) if port != web_port][:2]
    with LocalStack(
        moto_port,
        api_port,
        local_stack_env,
        root / "outbox",
        log_dir=root / "log",
        web_port=web_port,
        run_schedules=False,
    ) as stack:
        yield stack
