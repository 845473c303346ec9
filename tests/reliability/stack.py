"""Private PostgreSQL and Redis instances, the app's real processes and fake outside systems
for the reliability tests.

Nothing here touches the machine's shared PostgreSQL (5432) or Redis (6379): the cluster is
made with `initdb` in a temporary directory and both servers listen on free ports of
127.0.0.1. Every subprocess has a timeout and is killed by the fixtures that start it.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SHORT = os.environ.get("RELIABILITY_SHORT", "") in ("1", "true", "yes")
# Settings that would otherwise leak from the caller's environment into the app processes.
_APP_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
    "COMPENSATION_GATEWAY",
    "PAYMENT_CORE_URL",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll `check()` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f}s")
        time.sleep(interval)


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres OS user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (trust auth, 127.0.0.1 only) on a free port."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="rel-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/backoffice"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603 (fixed command lines)
            _as_postgres([str(PG_BIN / args[0]), *args[1:]]),
            check=True,
            timeout=timeout,
            capture_output=True,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE DATABASE backoffice")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def restart(self) -> None:
        """Fast shutdown, then start. (`pg_ctl restart` would start the server without
        `-l`, keeping our output pipes open.)"""
        self.stop()
        self.start()

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30",
                          "stop")  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url.replace("postgres://", "postgresql://"),
                             connect_timeout=5) as conn:  # fmt: skip
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple = ()):
        return self.query(sql, params)[0][0]


class PrivateRedis:
    """A redis-server without persistence on a free port; stop() is a crash (SIGKILL)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, timeout=20, what="private Redis up")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def app_env(*, pg: PrivatePostgres, redis: PrivateRedis | None, **extra: str) -> dict[str, str]:
    """The environment of every app process: production settings (debug off) pointing at
    the private instances, limits raised so the throttles do not refuse the load."""
    env = {k: v for k, v in os.environ.items() if k not in _APP_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="backoffice.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="reliability-secret-key-0123456789abcdef0123456789abcdef",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=pg.url,
        REDIS_URL=redis.url if redis else "",
        THROTTLE_INTAKE_RATE="1000000/min",
        THROTTLE_TOKEN_RATE="1000000/min",
        JWT_ACCESS_MINUTES="240",
        COMPLAINT_AUTO_ASSIGN="true",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(pg.root / "media"),
        PRIVATE_MEDIA_ROOT=str(pg.root / "private_media"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run a management command with the given environment; its stdout."""
    done = subprocess.run(  # noqa: S603 (our own manage.py)
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout


def seed(env: dict[str, str], command: str, timeout: float = 300, **options) -> dict:
    """Run tests/reliability/seed.py COMMAND with JSON options; its JSON answer."""
    done = subprocess.run(  # noqa: S603 (our own seeding module)
        [PYTHON, "-m", "tests.reliability.seed", command, json.dumps(options)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"seed {command} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Process:
    """A long-running child (gunicorn, celery) in its own process group, log to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 (gunicorn/celery from the venv)
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def alive(self) -> bool:
        return self.process.poll() is None

    def sigkill_all(self) -> list[int]:
        """SIGKILL the children first, then the main process (no warm shutdown at all)."""
        victims = self.children()
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        return [*victims, self.pid]

    def stop(self, grace: float = 10) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        else:
            # The main process is gone (SIGKILL); make sure no orphaned child survives.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def start_gunicorn(env: dict[str, str], log_dir: Path, workers: int = 3) -> tuple[Process, str]:
    port = free_port()
    process = Process(
        "gunicorn",
        [str(VENV_BIN / "gunicorn"), "backoffice.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "--graceful-timeout", "5",
         "--backlog", "256"],
        env,
        log_dir,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        import httpx

        if not process.alive():
            raise RuntimeError(f"gunicorn exited:\n{process.log_tail()}")
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=60, what="gunicorn answering /healthz")
    return process, base


def start_worker(env: dict[str, str], log_dir: Path, name: str, concurrency: int = 2) -> Process:
    process = Process(
        name,
        [str(VENV_BIN / "celery"), "-A", "backoffice", "worker", "--loglevel", "INFO",
         "--concurrency", str(concurrency), "-n", f"{name}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        env,
        log_dir,
    )  # fmt: skip
    wait_until(
        lambda: "ready." in process.log_tail(20000) or not process.alive(),
        timeout=60,
        what=f"celery worker {name} ready",
    )
    if not process.alive():
        raise RuntimeError(f"worker {name} exited:\n{process.log_tail()}")
    return process


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 for the outside systems the app calls: an
    SMS/push provider and the payment core's refund API. It records every call."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.provider_calls: Counter = Counter()  # Idempotency-Key -> POSTs received
        self.provider_paths: Counter = Counter()
        self.payouts: dict[str, dict] = {}  # Idempotency-Key -> payout, recorded once
        self.payout_posts: Counter = Counter()
        self.payout_status_gets: Counter = Counter()
        self.hang_payouts_for = 0.0  # seconds a POST /refunds sleeps after recording
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep the test output readable
                return

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                if self.path.endswith("/refunds"):
                    return fake.refund(self, key, body)
                with fake.lock:
                    fake.provider_calls[key] += 1
                    fake.provider_paths[self.path] += 1
                return self._json(200, {"id": f"prov-{key}"})

            def do_GET(self) -> None:
                key = self.path.rsplit("/", 1)[-1]
                with fake.lock:
                    fake.payout_status_gets[key] += 1
                    payout = fake.payouts.get(key)
                if payout is None:
                    return self._json(404, {"status": "not_found"})
                return self._json(200, payout)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def refund(self, handler, key: str, body: dict) -> None:
        with self.lock:
            self.payout_posts[key] += 1
            payout = self.payouts.setdefault(
                key,
                {
                    "status": "succeeded",
                    "reference": f"PC{len(self.payouts) + 1:06d}",
                    "account": body.get("wallet_account_id", ""),
                    "amount": body.get("amount"),
                    "currency": body.get("currency"),
                },
            )
            hang = self.hang_payouts_for
        if hang:
            time.sleep(hang)  # the payout is booked, but the answer comes too late
        handler._json(200, payout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextlib.contextmanager
def processes() -> Iterator[list[Process]]:
    """Collects started processes and stops every one of them, whatever happens."""
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in reversed(started):
            with contextlib.suppress(Exception):
                process.stop()


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
