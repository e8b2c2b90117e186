"""The renewal run: every contract with something due as of a date, done in date order, safely in parallel.

Workers claim due contracts in batches with `FOR UPDATE SKIP LOCKED` (PostgreSQL), so workers in one
process, several processes or several hosts share the work; each contract is processed in a savepoint
under its row lock, applying the planner's next action until nothing is due (a first run after months
catches up several terms), and its `next_due_on` moves past the date, so a second claim finds nothing.
A contract that fails is rolled back alone, reported with a code and reason, and not claimed again by
the same run. A dry run processes the same way and rolls every batch back.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for

from sqlalchemy.orm import Session, sessionmaker

from app.db.base import new_id, utc_now
from app.db.bulk import collect, copy_new_rows
from app.db.models import RenewalRun, RenewalRunError
from app.db.repositories import events as event_repo
from app.db.repositories import renewal_runs as repo
from app.domain import renewals
from app.domain.errors import DomainError, InvalidInput, NotFound
from app.services import contract_records, holdings, lifecycle
from app.services.auth import Caller
from app.services.contract_records import ContractRecords
from app.services.price_lists import load_contracted_prices
from app.services.quote_expiry import expire_quotes
from app.services.renewal_quotes import make_renewal_quote, reprice_renewal_quote

logger = logging.getLogger("cpq.renewals")
BATCH = 200
MAX_AHEAD = timedelta(days=1096)
#: More actions than this for one contract in one run is a planner bug, not a catch-up.
MAX_ACTIONS = 1000
COUNTERS = {"renewal_quote": "renewal_quotes_created", "renew": "contracts_renewed", "expire": "contracts_expired",
            "uplift": "evergreen_uplifts", "cancel": "cancellations_effective"}


@dataclass(frozen=True)
class RunError:
    contract_id: uuid.UUID
    code: str
    detail: str


@dataclass(frozen=True)
class RunReport:
    #: A dry run's id is fresh and not stored (GET answers 404 for it).
    id: uuid.UUID
    as_of: date
    dry_run: bool
    workers: int
    status: str
    contracts_processed: int
    renewal_quotes_created: int
    contracts_renewed: int
    contracts_expired: int
    evergreen_uplifts: int
    cancellations_effective: int
    errors: list[RunError]
    #: Open quotes past their `valid_until` as of the run's date, expired after the contracts (quote_expiry).
    quotes_expired: int


@dataclass
class _Tally:
    counts: Counter[str]
    errors: list[RunError]
    processed: int = 0


@dataclass(frozen=True)
class _Job:
    caller: Caller
    as_of: date
    run_id: uuid.UUID | None
    threshold: Decimal


class RunTooFarAhead(InvalidInput):
    code = "as_of_too_far_ahead"
    title = "Renewal run date too far ahead"


def run_renewals(
    factory: sessionmaker[Session], *, caller: Caller, as_of: date, today: date, workers: int = 1,
    dry_run: bool = False, threshold: Decimal, progress: Callable[[int], None] | None = None,
) -> RunReport:
    """Run renewals as of `as_of`; SQLite runs one worker (it serializes writers anyway).

    A run does what is due; one dated years ahead would renew every contract for years at once, which is a
    typo, not a schedule: `as_of` may be at most MAX_AHEAD after `today`.
    """
    if as_of > today + MAX_AHEAD:
        raise RunTooFarAhead(f"as_of {as_of.isoformat()} is more than {MAX_AHEAD.days} days after today "
                             f"({today.isoformat()}); a renewal run does what is due, so run it as of today")
    with factory() as session:
        if session.get_bind().dialect.name != "postgresql" or dry_run:
            workers = 1  # SQLite serializes writers; a dry run pages through everything, once
        run_id = None if dry_run else _start(session, caller, as_of, workers)
    job = _Job(caller, as_of, run_id, threshold)
    failure: BaseException | None = None
    tally = _Tally(Counter(), [])
    try:
        tally = _work(factory, job, progress) if workers == 1 else _in_processes(factory, job, workers, progress)
        quotes_expired = expire_quotes(factory, caller=caller, as_of=as_of, dry_run=dry_run)
    except BaseException as error:  # noqa: BLE001 - the run is marked failed, then it is raised again
        failure, quotes_expired = error, 0
    status = "failed" if failure else "completed"
    with factory() as session, session.begin():
        if run_id is not None:
            repo.finish(session, run_id, status=status, processed=tally.processed, finished_at=utc_now(),
                        counts={**{COUNTERS[k]: v for k, v in tally.counts.items()}, "quotes_expired": quotes_expired})
    if failure is not None:
        raise failure
    return RunReport(
        id=run_id or new_id(), as_of=as_of, dry_run=dry_run, workers=workers, status=status,
        contracts_processed=tally.processed, errors=tally.errors, quotes_expired=quotes_expired,
        **{name: tally.counts[kind] for kind, name in COUNTERS.items()},
    )


def _in_processes(factory: sessionmaker[Session], job: _Job, workers: int,
                  progress: Callable[[int], None] | None) -> _Tally:
    """Workers as processes, each with its own connection: threads would share one interpreter lock, and the
    run is mostly Python work. Each sends its tally back on a pipe; progress is read from the database."""
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    due, shown = due_count(factory, job.as_of), 0
    readers: list[Connection] = []
    processes = []
    for _ in range(workers):
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=_work_in_process, args=(url, job, os.getpid(), writer), daemon=True)
        process.start()
        writer.close()  # the child's end: once it exits, reading says so
        readers.append(reader)
        processes.append(process)
    outcomes: list[_Tally | str] = []
    waiting = list(readers)
    while waiting:
        for ready in wait_for(waiting, timeout=0.5):
            assert isinstance(ready, Connection)
            waiting.remove(ready)
            try:
                outcomes.append(ready.recv())
            except EOFError:
                outcomes.append("a worker process ended without a report")
        if progress is not None:
            moved = max(0, due - due_count(factory, job.as_of) - shown)
            progress(moved)
            shown += moved
    for process in processes:
        process.join()
    failed = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failed:
        raise RuntimeError(f"renewal run worker failed: {failed[0]}")
    tallies = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    counts: Counter[str] = Counter()
    for tally in tallies:
        counts.update(tally.counts)
    return _Tally(counts, [e for t in tallies for e in t.errors], sum(t.processed for t in tallies))


def _work_in_process(url: str, job: _Job, parent: int, writer: Connection) -> None:
    """A worker process: its tally, or why it failed, goes back to the parent (if it is still there)."""
    from app.db.session import make_engine, make_session_factory

    engine = make_engine(url)
    tune_collector()
    outcome: _Tally | str
    try:
        outcome = _work(make_session_factory(engine), job, None, parent=parent)
    except Exception as error:  # reported to the parent, which marks the run failed
        logger.exception("renewal run worker failed")
        outcome = f"{type(error).__name__}: {error}"
    finally:
        engine.dispose()
    if os.getppid() == parent:
        writer.send(outcome)
    writer.close()


def tune_collector() -> None:
    """Tune the cyclic garbage collector for a process that runs renewals and nothing else.

    A batch makes thousands of short-lived objects beside long-lived ones (the modules, the batch's records),
    and the collector's default, a pass every 700 allocations that scans them all, took a quarter of a
    worker's time (measured). What exists at start is frozen out of its scans and the young generation is
    collected less often; cycles are still collected, so memory stays flat.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 10)


def due_count(factory: sessionmaker[Session], as_of: date) -> int:
    with factory() as session:
        return repo.due_count(session, as_of)


def _start(session: Session, caller: Caller, as_of: date, workers: int) -> uuid.UUID:
    with session.begin():
        run = RenewalRun(as_of=as_of, workers=workers, api_key_id=caller.key_id, status="running")
        session.add(run)
        session.flush()
        return run.id


@dataclass(frozen=True)
class _Batch:
    size: int
    last: uuid.UUID
    counts: Counter[str]
    errors: list[RunError]


def _work(factory: sessionmaker[Session], job: _Job, progress: Callable[[int], None] | None, *,
          parent: int | None = None) -> _Tally:
    """Claim and process batches until none is left; a dry run pages through instead and rolls back.

    A batch is first done whole, in one transaction and one flush; if anything in it fails, it is rolled back
    and done again contract by contract, each in a savepoint, so that only the bad contract is left out and
    reported. A worker process whose parent died (a killed run) stops after its batch: a rerun finishes the work.
    """
    tally = _Tally(Counter(), [])
    after: uuid.UUID | None = None
    skipped: set[uuid.UUID] = set()
    while parent is None or os.getppid() == parent:
        try:
            batch = _batch(factory, job, after, skipped, careful=False)
        except Exception:
            logger.info("renewal run: a batch failed as a whole; processing it contract by contract", exc_info=True)
            batch = _batch(factory, job, after, skipped, careful=True)
        if batch is None:
            break
        skipped.update(error.contract_id for error in batch.errors)
        after = batch.last
        tally.counts.update(batch.counts)
        tally.errors.extend(batch.errors)
        tally.processed += batch.size
        if progress is not None:
            progress(batch.size)
    return tally


def _batch(factory: sessionmaker[Session], job: _Job, after: uuid.UUID | None, skipped: set[uuid.UUID], *,
           careful: bool) -> _Batch | None:
    """Claim a batch, load its records in a few queries, apply what is due; None when nothing is left."""
    with factory() as session:
        session.begin()
        batch = repo.claim_due(session, as_of=job.as_of, run_id=job.run_id, limit=BATCH,
                               after=after, skip=skipped)
        if not batch:
            session.rollback()
            return None
        records = contract_records.load(session, batch)
        load_contracted_prices(session, {contract.account_id for contract in batch})
        if not careful:
            collect(session)  # new rows go to COPY, not through the unit of work
            session.info[holdings.BATCH] = holdings.Batch(frozenset(contract.account_id for contract in batch))
        counts: Counter[str] = Counter()
        errors: list[RunError] = []
        for contract in batch:
            if careful:
                _process(session, job, records[contract.id], counts, errors)
            else:
                counts.update(_advance(session, job, records[contract.id]))
        if not careful:
            copy_new_rows(session)
        for error in errors:
            if job.run_id is not None:
                session.add(RenewalRunError(run_id=job.run_id, contract_id=error.contract_id, code=error.code,
                                            detail=error.detail[:2000]))
        if job.run_id is None:
            session.rollback()
        else:
            session.commit()
        return _Batch(len(batch), batch[-1].id, counts, errors)


def _process(session: Session, job: _Job, records: ContractRecords, counts: Counter[str],
             errors: list[RunError]) -> None:
    """Everything due for one contract in a savepoint: one bad contract never stops the run."""
    mark = event_repo.pending_mark(session)
    savepoint = session.begin_nested()
    try:
        done = _advance(session, job, records)
        session.flush()
        savepoint.commit()
        counts.update(done)
    except Exception as error:  # rolled back alone and reported
        savepoint.rollback()
        event_repo.discard_since(session, mark)
        code = error.code if isinstance(error, DomainError) else "internal_error"
        if not isinstance(error, DomainError):
            logger.exception("renewal run: contract %s failed", records.contract.number)
        errors.append(RunError(records.contract.id, code, f"contract {records.contract.number}: {error}"))


def _advance(session: Session, job: _Job, records: ContractRecords) -> Counter[str]:
    """Everything due for one contract as of the run's date, in date order: the actions applied, by kind."""
    done: Counter[str] = Counter()
    for _ in range(MAX_ACTIONS):
        due = records.contract.next_due_on  # every action stores when the next one falls due
        if due is None or due > job.as_of:
            return done
        action = renewals.next_action(lifecycle.lifecycle(records), job.as_of)
        if action is None:
            return done
        _apply(session, job, records, action)
        done[action.kind] += 1
    raise RuntimeError(f"more than {MAX_ACTIONS} renewal actions due for one contract")


def _apply(session: Session, job: _Job, records: ContractRecords, action: renewals.Action) -> None:
    caller, contract = job.caller, records.contract
    if action.kind == "renewal_quote":
        make_renewal_quote(session, caller, records, today=action.on, threshold=job.threshold)
    elif action.kind == "renew":
        quote = lifecycle.renewal_quote(records, lifecycle.current_term(contract).number + 1)
        assert quote is not None
        if quote.status in ("stale", "expired") or quote.base_version != contract.version:
            reprice_renewal_quote(session, quote, records, job.threshold)  # never a stale quote applied
        lifecycle.auto_renew(session, caller, records, quote, action.on)
    elif action.kind == "expire":
        lifecycle.expire(session, caller, records, action.on)
    elif action.kind == "uplift":
        lifecycle.anniversary(session, caller, records, action.on)
    else:
        lifecycle.cancel_effective(session, caller, records, action.on)


class UnknownRun(NotFound):
    code = "unknown_renewal_run"


def get_run(session: Session, run_id: uuid.UUID) -> RunReport:
    with session.begin():
        row = repo.run(session, run_id)
        if row is None:
            raise UnknownRun(f"no renewal run {run_id}")
        return _report(row, repo.errors(session, row.id))


def list_runs(session: Session, *, limit: int) -> list[RunReport]:
    with session.begin():
        return [_report(row, repo.errors(session, row.id)) for row in repo.runs(session, limit=limit)]


def _report(row: RenewalRun, errors: list[RenewalRunError]) -> RunReport:
    return RunReport(
        id=row.id, as_of=row.as_of, dry_run=row.dry_run, workers=row.workers, status=row.status,
        contracts_processed=row.contracts_processed, renewal_quotes_created=row.renewal_quotes_created,
        contracts_renewed=row.contracts_renewed, contracts_expired=row.contracts_expired,
        evergreen_uplifts=row.evergreen_uplifts, cancellations_effective=row.cancellations_effective,
        quotes_expired=row.quotes_expired, errors=[RunError(e.contract_id, e.code, e.detail) for e in errors],
    )
