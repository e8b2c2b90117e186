"""Run a command against a fresh PostgreSQL database, created with a unique name and dropped afterwards.

Used by `make test` for its PostgreSQL pass; when no server answers it says so in one line and succeeds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg

ADMIN_URL = os.environ.get("CPQ_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main() -> int:
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        print(f"PostgreSQL pass skipped: no server answers at {ADMIN_URL}")
        return 0
    name = f"cpq_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
        print(f"PostgreSQL pass on database {name}", flush=True)
        return subprocess.call(sys.argv[1:], env={**os.environ, "CPQ_TEST_DATABASE_URL": url})
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
