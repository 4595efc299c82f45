"""The read-only open-data API on the app's port (``/api/v1/...``, CONTRACT.md "HTTP").

| path | answer |
|---|---|
| ``/api/v1/districts.csv`` | the ``districts`` view |
| ``/api/v1/weekly.csv``, ``.json`` | the ``weekly`` view; ``?ags=16067&from=2024-01-01&to=2024-12-31`` |
| ``/api/v1/datapackage.json`` | the Frictionless data package describing both CSVs |
| ``/api/v1/briefing.pdf`` | the Lagebericht of the latest week; ``?week=2024-W47`` |
| ``/api/v1/reporting.csv`` | the ``reporting_status`` view now; ``?ags=&from=&to=`` (week) |

Everything is read from the published snapshot (:mod:`reception.read.opendata`,
:mod:`reception.read.briefing`), in a worker thread so the event loop that serves the pages
never waits on a query. Every query parameter is checked: an unknown or repeated one, a
malformed key, date or week answers 400 with a plain sentence; a path under ``/api/`` that is
not listed answers 404; no snapshot yet answers 503 (with PostgreSQL, a new instance builds its
snapshot at the first request instead: 503 only where the store has never been initialised).
An unexpected error is logged with a reference and answers 500 with that reference only, never
a traceback.

Decisions: ``from``/``to`` bound the week's Monday (``week >= from``, ``week <= to``, ISO dates);
an ``ags`` with the right form that no district has is a 400, so a typo is not mistaken for
"no figures". Messages are German unless the request prefers English (``Accept-Language: en``).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from reception import config
from reception.i18n import t
from reception.read import briefing, opendata, queries
from reception.store import db

log = logging.getLogger(__name__)
AGS = re.compile(r"^\d{5}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadRequest(ValueError):
    """A query parameter the API cannot use; the message is shown to the caller as it is."""


def _lang(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "de"


def _params(request: Request, allowed: tuple[str, ...], lang: str) -> dict[str, str]:
    """The query parameters, each at most once and each one of ``allowed``."""
    found: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            raise BadRequest(t("api.unknown_parameter", lang, name=name[:40],
                               allowed=", ".join(allowed) or "–"))
        if name in found:
            raise BadRequest(t("api.repeated_parameter", lang, name=name))
        found[name] = value
    return found


def _day(value: str | None, name: str, lang: str) -> date | None:
    if value is None:
        return None
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(t("api.bad_date", lang, name=name, value=value[:40])) from None


def _filters(request: Request, lang: str) -> dict:
    params = _params(request, ("ags", "from", "to"), lang)
    ags = params.get("ags")
    if ags is not None:
        if not AGS.match(ags):
            raise BadRequest(t("api.bad_ags", lang, value=ags[:40]))
        if ags not in set(queries.districts().ags):
            raise BadRequest(t("api.unknown_ags", lang, value=ags))
    since, until = _day(params.get("from"), "from", lang), _day(params.get("to"), "to", lang)
    if since and until and since > until:
        raise BadRequest(t("api.bad_range", lang, since=since.isoformat(), until=until.isoformat()))
    return {"ags": ags, "since": since, "until": until}


def _headers(kind: str, name: str) -> dict[str, str]:
    headers = {"Content-Disposition": f'{kind}; filename="{name}"', "Cache-Control": "no-cache",
               "Access-Control-Allow-Origin": "*"}
    version = db.snapshot_version(config.snapshot_path())
    if version:
        headers["ETag"] = f'"{version}"'
    return headers


# ---------------------------------------------------------------- handlers (run in a thread)
def _districts(request: Request, lang: str) -> Response:
    _params(request, (), lang)
    return Response(opendata.to_csv(opendata.districts()), media_type="text/csv; charset=utf-8",
                    headers=_headers("inline", "districts.csv"))


def _weekly_csv(request: Request, lang: str) -> Response:
    frame = opendata.weekly(**_filters(request, lang))
    return Response(opendata.to_csv(frame), media_type="text/csv; charset=utf-8",
                    headers=_headers("inline", "weekly.csv"))


def _weekly_json(request: Request, lang: str) -> Response:
    frame = opendata.weekly(**_filters(request, lang))
    return Response(opendata.to_json(frame), media_type="application/json",
                    headers=_headers("inline", "weekly.json"))


def _datapackage(request: Request, lang: str) -> Response:
    _params(request, (), lang)
    return Response(opendata.descriptor_json(), media_type="application/json",
                    headers=_headers("inline", "datapackage.json"))


def _briefing(request: Request, lang: str) -> Response:
    params = _params(request, ("week",), lang)
    week = None
    if "week" in params:
        try:
            week = briefing.parse_week(params["week"])
        except ValueError:
            raise BadRequest(t("briefing.bad_week", lang, value=params["week"][:40])) from None
    from reception.web import cache  # the shared briefing cache; no Streamlit needed before this

    try:
        pdf, monday = cache.briefing_pdf(week)
    except briefing.NoData:
        shown = briefing.iso_week_name(week) if week else "–"
        return PlainTextResponse(t("api.no_week", lang, week=shown), status_code=404)
    return Response(pdf, media_type="application/pdf",
                    headers=_headers("inline", briefing.file_name(monday)))


def _reporting_csv(request: Request, lang: str) -> Response:
    frame = opendata.reporting(**_filters(request, lang))
    return Response(opendata.to_csv(frame), media_type="text/csv; charset=utf-8",
                    headers=_headers("inline", "reporting.csv"))


def _guarded(handler: Callable[[Request, str], Response]) -> Callable[[Request], Awaitable[Response]]:
    """The handler in a worker thread; its failures as plain answers, never a traceback."""
    async def endpoint(request: Request) -> Response:
        lang = _lang(request)
        try:
            # built here where this instance has none yet (no visitor needed for it)
            if not await run_in_threadpool(db.snapshot_ready):
                return PlainTextResponse(t("api.no_snapshot", lang), status_code=503)
            return await run_in_threadpool(handler, request, lang)
        except BadRequest as error:
            return PlainTextResponse(str(error), status_code=400)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("api failed ref=%s path=%s query=%s", reference, request.url.path,
                          request.url.query[:200])
            return PlainTextResponse(t("api.error", lang, reference=reference), status_code=500)
    endpoint.__name__ = handler.__name__.lstrip("_")
    return endpoint


async def _not_found(request: Request) -> PlainTextResponse:
    return PlainTextResponse(t("api.not_found", _lang(request), path=request.url.path[:100]),
                             status_code=404)


def routes() -> list[BaseRoute]:
    """The API's routes; the last one answers 404 for every other path under ``/api/``."""
    return [
        Route("/api/v1/districts.csv", _guarded(_districts), methods=["GET"]),
        Route("/api/v1/weekly.csv", _guarded(_weekly_csv), methods=["GET"]),
        Route("/api/v1/weekly.json", _guarded(_weekly_json), methods=["GET"]),
        Route("/api/v1/datapackage.json", _guarded(_datapackage), methods=["GET"]),
        Route("/api/v1/briefing.pdf", _guarded(_briefing), methods=["GET"]),
        Route("/api/v1/reporting.csv", _guarded(_reporting_csv), methods=["GET"]),
        Route("/api/{rest:path}", _not_found),
    ]
