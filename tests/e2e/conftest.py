"""End-to-end tests: Debian's Chromium, driven by Playwright, against a live server.

Playwright's own browser download does not work here, so the tests launch
/usr/bin/chromium (CHROMIUM_PATH to override). Without it they skip with the reason
shown; with REQUIRE_SERVICES=1 (CI) they fail instead. Screenshots are written to
tests/artifacts/ (kept by CI as artefacts, ignored by git).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
REQUIRE = os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes")


def _available() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return ""


@pytest.fixture(scope="session")
def browser():
    missing = _available()
    if missing:
        if REQUIRE:
            pytest.fail(f"REQUIRE_SERVICES=1 but {missing}", pytrace=False)
        pytest.skip(missing)
    # Playwright runs an event loop in this thread; the test's ORM calls are still
    # plain synchronous calls, so Django's async-safety guard is relaxed for e2e only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1400, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # CI machines are small and busy
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def admin_login(page, username: str, password: str = "pass-1234") -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
