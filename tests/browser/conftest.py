"""Playwright with Debian's Chromium against the test app served on localhost.

Never downloads a browser: where /usr/bin/chromium is missing the browser tests skip and
say why (``.ci/run`` installs it, so in CI they always run). Every page a test loads must be
checked with ``assert_accessible(page)`` (axe-core, see ``axe.py``): the ``new_page``
fixture counts the documents each page loads and fails the test if one went unchecked.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.browser.axe import require_axe

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    require_axe()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.lms_failed = report.failed  # type: ignore[attr-defined]
    return report


@dataclass
class Visits:
    """The documents a page loaded (their URLs, in order) and which of them axe checked."""

    loads: list[str] = field(default_factory=list)
    checked: set[int] = field(default_factory=set)

    def unchecked(self) -> list[str]:
        return [url for index, url in enumerate(self.loads) if index not in self.checked]


@pytest.fixture
def new_page(browser, live_server, request) -> Iterator[Callable[..., Any]]:
    """``new_page(viewport=PHONE, **context_options)``: a page in a fresh context (its own
    cookies); at the end of the test, every document it loaded must have been checked."""
    contexts, pages = [], []

    def make(viewport: dict[str, int] | None = None, **options: Any) -> Any:
        context = browser.new_context(base_url=live_server, viewport=viewport or {"width": 390, "height": 844},
                                      **options)
        contexts.append(context)
        page = context.new_page()
        page.lms_visits = visits = Visits()
        page.on("domcontentloaded", lambda loaded: visits.loads.append(loaded.url))
        pages.append(page)
        return page

    yield make
    unchecked = [url for page in pages for url in page.lms_visits.unchecked()]
    for context in contexts:
        context.close()
    if getattr(request.node, "lms_failed", True):
        return  # the test's own failure says more
    assert not unchecked, f"pages loaded but never checked with assert_accessible(page): {unchecked}"


@pytest.fixture
def page(new_page) -> object:
    return new_page()


def screenshot(page, name: str) -> Path:
    """Keep a picture of what the person saw, for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
