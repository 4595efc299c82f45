"""``/lagebild``: the static overview (:mod:`reception.read.lagebild`) on the app's port.

The page is built once per snapshot version (a few seconds: queries, the view, Chromium drawing
the charts) and kept as bytes, plain and gzip-compressed; a reader gets those bytes and no page
script runs. When a new version is published, readers keep getting the previous page until the
new one is built in the background (a crisis-week reader would rather wait for nothing than see
a page a few seconds older); only the very first request after a start waits for the build.
``ETag`` lets a browser's reload answer 304. Decisions: German only (the public page); the
response is compressed here once, not per request by Streamlit's gzip middleware (which leaves
an answer with a ``Content-Encoding`` alone).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import uuid
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from reception import config
from reception.i18n import t

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    key: tuple[str, str]  # snapshot path, version
    html: bytes
    gzipped: bytes
    etag: str


_LOCK = threading.Lock()  # one build at a time
_state: dict[str, Built | None] = {"page": None}
_building: set[tuple[str, str]] = set()


def _key() -> tuple[str, str] | None:
    from reception.web.cache import version

    current = version()
    return None if current is None else (str(config.snapshot_path()), current)


def build(key: tuple[str, str]) -> Built:
    """Build the page for ``key`` unless another thread already did; the built page."""
    from reception.read import lagebild

    with _LOCK:
        page = _state["page"]
        if page is not None and page.key == key:
            return page
        html = lagebild.page()[0].encode("utf-8")
        page = Built(key, html, gzip.compress(html, compresslevel=6),
                     '"' + hashlib.sha256(html).hexdigest()[:32] + '"')
        _state["page"] = page
        return page


def _build_in_background(key: tuple[str, str]) -> None:
    with _LOCK:
        if key in _building:
            return
        _building.add(key)

    def work() -> None:
        try:
            build(key)
        except Exception:
            log.exception("lagebild: rebuild failed for %s", key)
        finally:
            with _LOCK:
                _building.discard(key)

    threading.Thread(target=work, name="lagebild-build", daemon=True).start()


def _answer(page: Built, request: Request) -> Response:
    headers = {"ETag": page.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding",
               "Content-Language": "de"}
    if request.headers.get("if-none-match") == page.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(page.gzipped, media_type="text/html; charset=utf-8",
                        headers=headers | {"Content-Encoding": "gzip"})
    return Response(page.html, media_type="text/html; charset=utf-8", headers=headers)


async def _lagebild(request: Request) -> Response:
    from reception.read.lagebild import NoData

    try:
        key = await run_in_threadpool(_key) if config.store_url() else _key()
        if key is None:
            return PlainTextResponse(t("lagebild.no_data", "de"), status_code=503)
        page = _state["page"]
        if page is not None and page.key == key:
            return _answer(page, request)
        if page is not None:  # a new version: the previous page until the new one is built
            _build_in_background(key)
            return _answer(page, request)
        return _answer(await run_in_threadpool(build, key), request)
    except NoData:
        return PlainTextResponse(t("lagebild.no_data", "de"), status_code=503)
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("lagebild failed ref=%s", reference)
        return PlainTextResponse(t("api.error", "de", reference=reference), status_code=500)


def routes() -> list[BaseRoute]:
    return [Route("/lagebild", _lagebild, methods=["GET", "HEAD"])]
