"""Fixtures shared by the integration tests: a real hub and a real browser."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.support.docker import DockerEngine
from tests.support.hub import RunningHub

# For every test here: the loopback GitLab-compatible server (`gitlab_server`) and the
# loopback OpenAI-compatible model server (`model_server`, `model_server_session`).
pytest_plugins = ("govlab_share.pytest_plugin", "tests.model_server.fixture")

CHROMIUM = os.environ.get("GOVLAB_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def lab_hub(tmp_path_factory):
    """One hub for the tests that only need a running lab (spawns are costly)."""
    hub = RunningHub(tmp_path_factory.mktemp("lab-hub"))
    hub.start()
    try:
        yield hub
    finally:
        hub.kill_everything()


@pytest.fixture(scope="session")
def docker_engine():
    """A real Docker engine (started here when none answers; stopped at the end)."""
    engine = DockerEngine().start()
    try:
        yield engine
    finally:
        engine.remove_labs()
        engine.stop()


@pytest.fixture(scope="session")
def lab_image(docker_engine):
    """The lab image of this checkout, built from a locally made base image."""
    return docker_engine.build_image("lab")


@pytest.fixture(scope="session")
def hub_image(docker_engine):
    """The hub image of this checkout."""
    return docker_engine.build_image("hub")


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop in this thread while it
    # runs, which would break later tests that run their own loop (pytest-jupyter).
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `scripts/setup --test` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


# pytest-jupyter (used by the extension's jp_fetch tests) installs autouse fixtures that
# own the thread's event loop and close it after every test. Our tests run real servers
# in subprocesses and drive Chromium through Playwright's sync API, whose loop must not
# be closed under it: these same-named fixtures switch them off for tests/ only.
@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    yield
