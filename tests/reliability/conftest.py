"""Fixtures of the reliability tests (`make reliability`, `make reliability-short`).

A private PostgreSQL cluster and a private Redis on free ports of 127.0.0.1 (never the
shared 5432/6379: those are restarted and killed here), migrated once per session; the app
as real processes (gunicorn, Celery workers) with production settings pointing at them;
fake SMS/push provider and payment core on 127.0.0.1. Everything is torn down in
finalisers, also when a test fails. Each scenario adds its figures to a summary printed at
the end of the run (and written to tests/benchmarks/RESULTS.md by the full run).
"""

import shutil

import pytest

from . import stack

SUMMARY: list[tuple[str, list[str]]] = []


def _missing_tools() -> str:
    for tool in (stack.PG_BIN / "initdb", stack.PG_BIN / "pg_ctl"):
        if not tool.exists():
            return f"{tool} not found (PostgreSQL 15 server binaries; PG_BIN to override)"
    if not shutil.which("redis-server"):
        return "redis-server not found"
    return ""


@pytest.fixture(scope="session")
def pg():
    missing = _missing_tools()
    if missing:
        pytest.fail(missing, pytrace=False)
    server = stack.PrivatePostgres()
    try:
        server.init()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def redis_server():
    server = stack.PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fake():
    server = stack.FakeServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("reliability-logs")


@pytest.fixture(scope="session")
def env(pg, redis_server, fake):
    """The app's environment: SMS and push go to the fake provider (which counts each
    message by its idempotency key); a task a killed worker held comes back after 15 s."""
    app_env = stack.app_env(
        pg=pg,
        redis=redis_server,
        NOTIFY_SMS_BACKEND="backoffice.notifications.backends.HttpSmsBackend",
        NOTIFY_SMS_URL=f"{fake.url}/sms",
        NOTIFY_SMS_TOKEN="reliability-sms-token",
        NOTIFY_PUSH_BACKEND="backoffice.notifications.backends.HttpPushBackend",
        NOTIFY_PUSH_URL=f"{fake.url}/push",
        NOTIFY_PUSH_TOKEN="reliability-push-token",
        NOTIFY_HTTP_TIMEOUT_SECONDS="5",
        EMAIL_URL="dummymail://",
        CELERY_VISIBILITY_TIMEOUT="15",
    )
    stack.manage(app_env, "migrate", "--noinput", timeout=600)
    return app_env


@pytest.fixture(scope="session")
def gunicorn(env, log_dir):
    with stack.processes() as started:
        process, base_url = stack.start_gunicorn(env, log_dir)
        started.append(process)
        yield base_url


@pytest.fixture
def workers(env, log_dir):
    """start(name) starts a Celery worker on the private broker; all are stopped after."""
    with stack.processes() as started:

        def start(name: str, **extra: str) -> stack.Process:
            process = stack.start_worker({**env, **extra}, log_dir, name)
            started.append(process)
            return process

        yield start


@pytest.fixture
def summary():
    """summary(title, lines): figures of one scenario, printed at the end of the run."""

    def add(title: str, lines: list[str]) -> None:
        SUMMARY.append((title, lines))
        stack.log(f"\n== {title}\n" + "\n".join(lines))

    return add


def pytest_terminal_summary(terminalreporter):
    if not SUMMARY:
        return
    terminalreporter.section("reliability figures (measured on a shared, busy machine)")
    SUMMARY.sort()
    for title, lines in SUMMARY:
        terminalreporter.write_line(f"{title}")
        for line in lines:
            terminalreporter.write_line(f"  {line}")
    if not stack.SHORT:
        from tests.benchmarks.results import record

        record(
            "reliability",
            "Reliability tests (make reliability)",
            [
                line
                for title, lines in SUMMARY
                for line in (f"### {title}", "", *(f"- {x}" for x in lines), "")
            ],
        )
