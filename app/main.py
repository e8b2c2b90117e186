"""create_app(settings): routers, the error table and middleware; no logic."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api import errors, idempotency, openapi
from app.api.accounts.router import router as accounts_router
from app.api.catalog.router import router as catalog_router
from app.api.contracts.router import router as contracts_router
from app.api.finance import event_schemas
from app.api.finance.metrics import router as metrics_router
from app.api.finance.router import router as finance_router
from app.api.first_routes import first
from app.api.hot_reads import HotReadsMiddleware
from app.api.idempotency import IdempotencyMiddleware
from app.api.keys.router import router as keys_router
from app.api.logs import configure_logging
from app.api.middleware import AuthenticationMiddleware, BodyLimitMiddleware, MetricsMiddleware, RequestIdMiddleware
from app.api.quotes.router import router as quotes_router
from app.api.renewals.router import router as renewals_router
from app.api.system.router import router as system_router
from app.api.webhooks.router import router as webhooks_router
from app.config import Settings, get_settings
from app.db.direct import open_reader
from app.db.reads import Reads
from app.db.session import make_engine, make_session_factory
from app.documents.render import configure_pool, pool_size, shutdown_pool
from app.documents.storage import FileStorage


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        configure_pool(pool_size(settings.pdf_workers))
        # What start-up allocated lives as long as the process: keep it out of every full collection.
        gc.freeze()
        yield
        shutdown_pool()
        await app.state.reads.close()
        engine.dispose()

    app = FastAPI(
        title="cpq",
        version=__version__,
        summary="Configure-price-quote and contracts for subscription software publishers",
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
        telemetry=None if settings.opentelemetry else {"tracing": False, "metrics": False, "logs": False},
    )
    openapi.install(app)
    event_schemas.install(app)
    app.state.settings = settings
    app.state.session_factory = make_session_factory(engine)
    app.state.reads = Reads(settings.database_url, open_reader(settings.database_url))
    app.state.storage = FileStorage(settings.documents_dir)
    errors.install(app)
    idempotency.install(app)
    # Routes are matched in order, one by one: the ones clients call most come first.
    for router in (first, quotes_router, contracts_router, system_router, catalog_router, accounts_router,
                   renewals_router, finance_router, metrics_router, keys_router, webhooks_router):
        app.include_router(router)
    # Added innermost first: metrics, then the body cap, then authentication run before anything reads the body.
    app.add_middleware(HotReadsMiddleware)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(AuthenticationMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)  # outermost: every answer, refusals included, carries the id
    return app
