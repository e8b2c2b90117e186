"""The PostgreSQL reader of the hot reads: never more connections than its size, however many reads at once or
cancelled while they wait, and every one of them answered."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import Engine, bindparam, select

from app.db.direct import PostgresReader, Prepared, dialect_of, open_reader
from app.db.models import ApiKey


@pytest.fixture
def reader_and_read(engine: Engine, database_url: str) -> tuple[PostgresReader, Prepared]:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's reader is one connection on the event loop")
    reader = open_reader(database_url)
    assert isinstance(reader, PostgresReader)
    reader.size = 3
    keys = ApiKey.__table__.c
    read = Prepared(select(keys.id, bindparam("n").label("n")).where(keys.key_hash == bindparam("key_hash")),
                    dialect_of(database_url))
    return reader, read


def test_reads_beyond_the_size_wait_for_a_connection_and_cancelled_waits_give_theirs_back(
    reader_and_read: tuple[PostgresReader, Prepared],
) -> None:
    reader, read = reader_and_read

    async def scenario() -> list[int]:
        tasks = [asyncio.ensure_future(reader.all(read, {"n": n, "key_hash": uuid.uuid4().hex})) for n in range(30)]
        await asyncio.sleep(0)
        for task in tasks[5:25:4]:  # some cancelled while waiting for a connection
            task.cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert reader.opened <= reader.size and not reader.waiters
        after = await asyncio.gather(*(reader.all(read, {"n": n, "key_hash": "x"}) for n in range(10)))
        assert after == [[]] * 10 and reader.opened <= reader.size
        await reader.close()
        return [n for n, result in enumerate(done) if not isinstance(result, BaseException)]

    answered = asyncio.run(scenario())
    assert answered == [n for n in range(30) if n not in range(5, 25, 4)]
    assert reader.opened == 0
