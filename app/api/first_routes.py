"""The reads clients call most, matched before every other route.

FastAPI matches a request against the app's included routers in turn, and each router against every route it
holds: passing over the dozen routes of `/v1/quotes` costs a contract's read about 20 µs, several per cent of
it. The modules that own these routes declare them on `first` (with their own router's prefix and tags), and the
app includes it before the others. The plainest single reads do not even get here: `app.api.hot_reads` hands
them to these routes' endpoints before any routing.
"""

from __future__ import annotations

from fastapi import APIRouter

first = APIRouter()
