"""Write benchmark figures into tests/benchmarks/RESULTS.md, one section per benchmark.

Every benchmark script calls `record(key, title, lines)` once at the end of its run. The
section between `<!-- bench:KEY -->` and `<!-- /bench:KEY -->` is replaced (appended the
first time), so re-running one benchmark leaves the others' figures alone. Each section
carries the date and the machine it was measured on, because a figure without them
cannot be compared with anything.
"""

import os
import platform
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = """# Benchmark results

Written by `make bench` (each script replaces its own section). Figures are from the machine
named in each section; ratios are measured in the same run with the same server set-up, so
they compare across machines better than the absolute numbers. How to reproduce each one is
in its script's docstring and in the README ("Benchmarks").
"""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(x for x in meminfo if x.startswith("MemTotal")).split()[1])
        return f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        return "unknown memory"


def _postgres_version() -> str:
    psql = shutil.which("psql")
    if psql is None:
        return "unknown"
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, psql found on PATH
            [psql, "--version"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
        return out.removeprefix("psql (PostgreSQL) ") or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_description() -> str:
    return (
        f"{_cpu_model()}, {os.cpu_count()} CPUs, {_memory_gib()}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"PostgreSQL {_postgres_version()}"
    )


def record(key: str, title: str, lines: list[str]) -> None:
    """Replace (or append) the section `key` of RESULTS.md with `lines` (Markdown)."""
    if not re.fullmatch(r"[a-z0-9-]+", key):
        raise ValueError(f"bad section key {key!r}")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(
        [
            f"<!-- bench:{key} -->",
            f"## {title}",
            "",
            f"Measured {stamp} on {machine_description()}.",
            "",
            *lines,
            f"<!-- /bench:{key} -->",
        ]
    )
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{key} -->.*?<!-- /bench:{key} -->", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: body, text)
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    RESULTS.write_text(text)
    print(f"figures written to {RESULTS.relative_to(RESULTS.parents[2])} [{key}]")
