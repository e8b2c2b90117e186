"""The fast readers of SQLite's UUID and instant text give what SQLAlchemy's converters give, and refuse what
`uuid.UUID` refuses."""

from __future__ import annotations

import pickle
import random
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Date, Uuid
from sqlalchemy.dialects import postgresql, sqlite

from app.db.text_values import binder, converter, moment_of, uuid_of
from app.db.types import ExactDecimal, UtcDateTime


def test_a_uuid_of_32_hex_digits_is_the_uuid_the_standard_constructor_makes() -> None:
    rng = random.Random(20261207)
    read = Uuid().result_processor(sqlite.dialect(), None)
    for value in [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.uuid4(), uuid.uuid1(),
                  *(uuid.UUID(int=rng.getrandbits(128)) for _ in range(500))]:
        for text in (value.hex, value.hex.upper()):
            fast = uuid_of(text)
            assert fast == value == read(text)
            assert (str(fast), hash(fast), fast.version, fast.is_safe) == (str(value), hash(value), value.version,
                                                                           uuid.SafeUUID.unknown)
            assert pickle.loads(pickle.dumps(fast)) == value and type(fast) is uuid.UUID


@pytest.mark.parametrize("text", ["01a251fd-b86d-7754-bc2a-2e402fa3ee51", "{01a251fdb86d7754bc2a2e402fa3ee51}",
                                  "urn:uuid:01a251fd-b86d-7754-bc2a-2e402fa3ee51"])
def test_other_forms_of_a_uuid_are_read_as_the_standard_constructor_reads_them(text: str) -> None:
    assert uuid_of(text) == uuid.UUID(text)


@pytest.mark.parametrize("text", ["01a251fdb86d7754bc2a2e402fa3ee5g", "+1a251fdb86d7754bc2a2e402fa3ee51",
                                  "01a251fd_86d7754bc2a2e402fa3ee51", " 1a251fdb86d7754bc2a2e402fa3ee51",
                                  "01a251fdb86d7754bc2a2e402fa3ee5", "", "ａ" * 32, "٠" * 32])
def test_odd_text_is_read_or_refused_as_the_standard_constructor_reads_or_refuses_it(text: str) -> None:
    try:
        expected: uuid.UUID | type[ValueError] = uuid.UUID(text)
    except ValueError:
        expected = ValueError
    if expected is ValueError:
        with pytest.raises(ValueError):
            uuid_of(text)
    else:
        assert uuid_of(text) == expected


def test_an_instant_is_read_in_utc_as_sqlalchemy_reads_what_it_stored_on_sqlite() -> None:
    dialect = sqlite.dialect()
    kind = UtcDateTime().dialect_impl(dialect)
    store, read = kind.bind_processor(dialect), kind.result_processor(dialect, None)
    assert store is not None and read is not None
    rng = random.Random(7)
    moments = [datetime(2026, 12, 7, 19, 31, 54, 247527, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC),
               *(datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**15)) for _ in range(300))]
    for moment in moments:
        text = store(moment.replace(tzinfo=None))
        assert moment_of(text) == read(text) == moment
        assert moment_of(text).tzinfo is UTC


def test_an_instant_that_names_its_offset_keeps_it() -> None:
    assert moment_of("2026-12-07T20:00:00+01:00") == datetime(2026, 12, 7, 20, tzinfo=timezone(timedelta(hours=1)))


def test_only_sqlite_s_uuids_and_instants_take_the_fast_readers() -> None:
    lite, pg = sqlite.dialect(), postgresql.dialect()
    assert converter(Uuid(), lite, None) is uuid_of
    assert converter(UtcDateTime(), lite, None) is moment_of
    assert converter(ExactDecimal(), lite, None) is Decimal
    assert converter(Uuid(as_uuid=False), lite, None) is not uuid_of
    assert converter(Uuid(), pg, None) is not uuid_of
    assert converter(UtcDateTime(), pg, None) is not moment_of
    assert converter(ExactDecimal(), pg, 1700) is not Decimal  # 1700: NUMERIC


@pytest.mark.parametrize("value", ["0", "-0.01", "21.375000", "79.333333", "1234567890123456.78", "1E+2"])
def test_a_decimal_read_from_its_text_is_the_one_sqlalchemy_reads(value: str) -> None:
    dialect = sqlite.dialect()
    read = ExactDecimal().dialect_impl(dialect).result_processor(dialect, None)
    assert read is not None
    assert str(converter(ExactDecimal(), dialect, None)(value)) == str(read(value)) == value


def test_a_date_parameter_on_sqlite_is_the_text_sqlalchemy_writes() -> None:
    dialect = sqlite.dialect()
    write = Date().dialect_impl(dialect).bind_processor(dialect)
    fast = binder(Date(), dialect)
    assert write is not None and fast is not None and fast is not write
    days = [date(1, 1, 1), date(999, 12, 31), date(2024, 2, 29), date(9999, 12, 31),
            *(date(2000, 1, 1) + timedelta(days=n) for n in range(0, 20000, 37))]
    for day in days:
        assert fast(day) == write(day)
    assert fast(datetime(2026, 12, 7, 23, 59)) == write(datetime(2026, 12, 7, 23, 59)) == "2026-12-07"
    assert binder(Date(), postgresql.dialect()) is not fast
