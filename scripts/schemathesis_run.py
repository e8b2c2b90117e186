"""Schemathesis with every check against a live server: a fresh database with the demo data, an admin key,
uvicorn on a free loopback port, then `schemathesis run --checks all` with the budget given.

`make test` runs it with a small budget (through `tests/api/test_schemathesis_live.py`); `make test-deep`
runs it with a large one and the stateful phase. Arguments after `--` go to `schemathesis run`.
Set CPQ_TEST_DATABASE_URL to a PostgreSQL URL to run against PostgreSQL (the script makes its own
database beside it and drops it afterwards); otherwise it uses a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: The day the demo data is loaded as of; fixed, so a run is repeatable.
DEMO_TODAY = "2026-12-02"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--seed", default="1")
    options, extra = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="cpq-st-") as scratch, demo_service(Path(scratch)) as (base_url, key):
        command = [
            str(BIN / "schemathesis"), "run", f"{base_url}/openapi.json", "--checks", "all",
            "--max-examples", str(options.max_examples), "--phases", options.phases, "--seed", options.seed,
            "--workers", "1", "--no-color", "-H", f"Authorization: Bearer {key}", *extra,
        ]
        code = subprocess.call(command, cwd=ROOT)
        if code:
            print("server log (tail):", *(Path(scratch) / "server.log").read_text().splitlines()[-40:], sep="\n")
        return code


@contextlib.contextmanager
def demo_service(scratch: Path) -> Iterator[tuple[str, str]]:
    """`cpq serve` on a free loopback port over a fresh database with the demo data as of DEMO_TODAY: its base
    URL and an admin key. Also used by tests/api/test_generated_client.py."""
    with _database(scratch) as url:
        env = {**os.environ, "CPQ_DATABASE_URL": url, "CPQ_DOCUMENTS_DIR": f"{scratch}/documents",
               "CPQ_PDF_WORKERS": "0", "PYTHONPATH": str(ROOT)}
        for args in (["migrate"], ["demo", "--today", DEMO_TODAY]):
            subprocess.run([str(BIN / "cpq"), *args], env=env, check=True, capture_output=True)
        created = subprocess.run([str(BIN / "cpq"), "keys", "create", "--role", "admin", "--name", "schemathesis"],
                                 env=env, check=True, capture_output=True, text=True)
        with _server(env, scratch / "server.log") as base_url:
            yield base_url, created.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def _database(scratch: Path) -> Iterator[str]:
    base = os.environ.get("CPQ_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{scratch / 'cpq.db'}"
        return
    import psycopg

    admin_url = base.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    name = f"cpq_st_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield base.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as stderr, subprocess.Popen(
            [str(BIN / "cpq"), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
            stdout=subprocess.DEVNULL, stderr=stderr) as server:
        try:
            _wait_for(f"{base_url}/health", server, log)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {seconds:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
