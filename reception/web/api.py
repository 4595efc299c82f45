"""The read-only open-data API on the app's port (``/api/v1/...``, CONTRACT.md "HTTP").

Every path is ONE entry of :data:`ENDPOINTS`: its path, summary, parameters (:class:`Param`:
name, JSON schema, description, how it is read), its answer and the errors it can give. The
routes (:func:`routes`) and the OpenAPI 3.1 document (``/api/v1/openapi.json``,
:func:`openapi`) are both generated from that table, so a path or a parameter is never written
twice. A parameter every path takes goes into :data:`COMMON_PARAMS` once.

| path | answer |
|---|---|
| ``/api/v1/health`` | ``ok`` while the app serves |
| ``/api/v1/districts.csv`` | the ``districts`` view |
| ``/api/v1/weekly.csv``, ``.json`` | the ``weekly`` view; ``?ags=16067&from=2024-01-01&to=2024-12-31`` |
| ``/api/v1/datapackage.json`` | the Frictionless data package describing both CSVs |
| ``/api/v1/briefing.pdf`` | the Lagebericht of the latest week; ``?week=2024-W47`` |
| ``/api/v1/reporting.csv`` | the ``reporting_status`` view now; ``?ags=&from=&to=`` (week) |
| ``/api/v1/allocation.csv`` | the allocation proposal; ``?persons=N&week=2024-W47`` |
| ``/api/v1/openapi.json`` | this table as an OpenAPI 3.1 document |

Everything is read from the published snapshot (:mod:`reception.read.opendata`,
:mod:`reception.read.briefing`, :mod:`reception.read.allocation`), in a worker thread so the
event loop that serves the pages never waits on a query. Every query parameter is checked: an
unknown or repeated one, a missing required one, a malformed key, date, week or number answers
400 with a plain sentence; a path under ``/api/`` that is not listed answers 404; no snapshot
yet answers 503 (with PostgreSQL, a new instance builds its snapshot at the first request
instead: 503 only where the store has never been initialised). An unexpected error is logged
with a reference and answers 500 with that reference only, never a traceback.

Every data path takes ``as_of=T`` (:data:`COMMON_PARAMS`): the answer is read inside
:func:`reception.store.asof.viewing`, so every query sees the figures as they stood at T.

Decisions: ``from``/``to`` bound the week's Monday (``week >= from``, ``week <= to``, ISO dates);
an ``ags`` with the right form that no district has is a 400, so a typo is not mistaken for
"no figures" (checked against today's districts). Messages are German unless the request
prefers English (``Accept-Language: en``).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import date, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from reception import config, fmt, isoweek
from reception.i18n import t
from reception.read import allocation, briefing, opendata, queries
from reception.store import asof, db

log = logging.getLogger(__name__)
AGS = re.compile(r"^\d{5}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WHOLE = re.compile(r"^\d{1,7}$")
VERSION = "1"


class BadRequest(ValueError):
    """A query parameter the API cannot use; the message is shown to the caller as it is."""


class NotFound(LookupError):
    """Nothing to answer for these parameters (e.g. an unreported week): 404 with the message."""


def _lang(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "de"


# ---------------------------------------------------------------- reading one parameter
def _day(value: str, name: str, lang: str) -> date:
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(t("api.bad_date", lang, name=name, value=value[:40])) from None


def _ags(value: str, name: str, lang: str) -> str:
    if not AGS.match(value):
        raise BadRequest(t("api.bad_ags", lang, value=value[:40]))
    if value not in set(queries.districts().ags):
        raise BadRequest(t("api.unknown_ags", lang, value=value))
    return value


def _week(value: str, name: str, lang: str) -> date:
    try:
        return isoweek.parse(value)
    except ValueError:
        raise BadRequest(t("briefing.bad_week", lang, value=value[:40])) from None


def _persons(value: str, name: str, lang: str) -> int:
    if not WHOLE.match(value) or int(value) > allocation.MAX_PERSONS:
        raise BadRequest(t("api.bad_persons", lang, value=value[:40],
                           maximum=fmt.number(allocation.MAX_PERSONS, lang=lang)))
    return int(value)


def _moment(value: str, name: str, lang: str) -> datetime:
    try:
        return asof.parse(value)
    except asof.BadMoment as error:
        raise BadRequest(error.message(lang)) from None


@dataclass(frozen=True)
class Param:
    """One query parameter: its JSON schema and description (the OpenAPI document) and
    ``read(value, name, lang)``, which returns the value to use or raises :class:`BadRequest`.
    ``around(value)``, where given, is a context manager the answer runs in (``as_of``: every
    read sees the figures as they stood at T); such a parameter is not passed to the answer."""

    name: str
    schema: dict
    description: str
    read: Callable[[str, str, str], object]
    required: bool = False
    example: str | None = None
    around: Callable[[object], AbstractContextManager] | None = None


AGS_PARAM = Param("ags", {"type": "string", "pattern": r"^\d{5}$"},
                  "Kreisschlüssel (5 Stellen); die Liste: /api/v1/districts.csv", _ags,
                  example="16051")
FROM_PARAM = Param("from", {"type": "string", "format": "date"},
                   "erste Woche (ihr Montag, JJJJ-MM-TT): week >= from", _day, example="2024-01-01")
TO_PARAM = Param("to", {"type": "string", "format": "date"},
                 "letzte Woche (ihr Montag, JJJJ-MM-TT): week <= to", _day, example="2024-12-31")
WEEK_PARAM = Param("week", {"type": "string", "pattern": r"^\d{4}-W\d{2}$"},
                   "ISO-Woche, z. B. 2024-W47 (auch KW 47/2024)", _week, example="2024-W47")
# Parameters every path takes (CONTRACT: "Every /api/v1/ path accepts as_of=T"): one entry here.
COMMON_PARAMS: tuple[Param, ...] = (
    Param("as_of", {"type": "string", "format": "date-time"},
          "die Zahlen, wie sie zum Zeitpunkt T im Datenbestand standen (ISO 8601; mit Offset oder Z, "
          "sonst Ortszeit Europe/Berlin)", _moment, example="2024-11-26T10:00:00+01:00",
          around=asof.viewing),
)


# ---------------------------------------------------------------- answers (run in a thread)
def _headers(kind: str, name: str) -> dict[str, str]:
    headers = {"Content-Disposition": f'{kind}; filename="{name}"', "Cache-Control": "no-cache",
               "Access-Control-Allow-Origin": "*"}
    version = db.snapshot_version()  # of the snapshot read: a past one under as_of
    if version:
        headers["ETag"] = f'"{version}"'
    return headers


CSV, JSON, PDF, TEXT = "text/csv; charset=utf-8", "application/json", "application/pdf", "text/plain"


def _health(params: dict, lang: str) -> Response:
    return PlainTextResponse("ok")


def _districts(params: dict, lang: str) -> Response:
    return Response(opendata.to_csv(opendata.districts()), media_type=CSV,
                    headers=_headers("inline", "districts.csv"))


def _filters(params: dict, lang: str) -> dict:
    since, until = params.get("from"), params.get("to")
    if since and until and since > until:
        raise BadRequest(t("api.bad_range", lang, since=since.isoformat(), until=until.isoformat()))
    return {"ags": params.get("ags"), "since": since, "until": until}


def _weekly_csv(params: dict, lang: str) -> Response:
    frame = opendata.weekly(**_filters(params, lang))
    return Response(opendata.to_csv(frame), media_type=CSV, headers=_headers("inline", "weekly.csv"))


def _weekly_json(params: dict, lang: str) -> Response:
    frame = opendata.weekly(**_filters(params, lang))
    return Response(opendata.to_json(frame), media_type=JSON,
                    headers=_headers("inline", "weekly.json"))


def _datapackage(params: dict, lang: str) -> Response:
    return Response(opendata.descriptor_json(), media_type=JSON,
                    headers=_headers("inline", "datapackage.json"))


def _briefing(params: dict, lang: str) -> Response:
    from reception.web import cache  # the shared briefing cache; no Streamlit needed before this

    week = params.get("week")
    try:
        pdf, monday = cache.briefing_pdf(week)
    except briefing.NoData:
        raise NotFound(t("api.no_week", lang, week=isoweek.name(week) if week else "–")) from None
    return Response(pdf, media_type=PDF, headers=_headers("inline", briefing.file_name(monday)))


def _reporting_csv(params: dict, lang: str) -> Response:
    frame = opendata.reporting(**_filters(params, lang))
    return Response(opendata.to_csv(frame), media_type=CSV,
                    headers=_headers("inline", "reporting.csv"))


def _allocation(params: dict, lang: str) -> Response:
    week = params.get("week")
    try:
        result = allocation.from_store(params["persons"], week, lang=lang)
    except allocation.NoWeek:
        raise NotFound(t("api.no_week", lang, week="–")) from None
    except allocation.NoKey:
        raise NotFound(t("api.no_key", lang, week=isoweek.name(week) if week else "–")) from None
    name = f"verteilung_{isoweek.name(result.week)}.csv"
    return Response(allocation.to_csv(result).encode("utf-8"), media_type=CSV,
                    headers=_headers("inline", name))


def _openapi(params: dict, lang: str) -> Response:
    return Response(json.dumps(openapi(), ensure_ascii=False, indent=1).encode("utf-8"),
                    media_type=JSON, headers={"Access-Control-Allow-Origin": "*"})


# ---------------------------------------------------------------- the table
@dataclass(frozen=True)
class Endpoint:
    """One path: ``answer(params, lang)`` gets the parameters already read (absent ones left
    out) and returns the response, or raises :class:`BadRequest` / :class:`NotFound`."""

    path: str
    summary: str
    answer: Callable[[dict, str], Response]
    media_type: str
    schema: dict
    params: tuple[Param, ...] = ()
    not_found: str | None = None  # what a 404 of this path means; None: it has none
    needs_data: bool = True  # 503 until a snapshot is published
    common: bool = True  # takes COMMON_PARAMS

    def all_params(self) -> tuple[Param, ...]:
        return self.params + (COMMON_PARAMS if self.common else ())


def _weekly_items() -> dict:
    kinds = {"integer": {"type": ["integer", "null"]}, "number": {"type": ["number", "null"]},
             "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
             "string": {"type": "string"}}
    return {"type": "array", "items": {
        "type": "object", "required": [name for name, *_ in opendata.WEEKLY_FIELDS[:2]],
        "properties": {name: {**kinds[kind], "title": title, "description": text}
                       for name, kind, title, text in opendata.WEEKLY_FIELDS}}}


_STRING, _OBJECT = {"type": "string"}, {"type": "object"}
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("/api/v1/health", "Lebenszeichen: „ok“, solange die App antwortet", _health, TEXT,
             {"type": "string", "const": "ok"}, needs_data=False, common=False),
    Endpoint("/api/v1/districts.csv", "Die Sicht districts: ags, name, kind, population",
             _districts, CSV, _STRING),
    Endpoint("/api/v1/weekly.csv", "Die Sicht weekly: ein Kreis je Woche", _weekly_csv, CSV,
             _STRING, (AGS_PARAM, FROM_PARAM, TO_PARAM)),
    Endpoint("/api/v1/weekly.json", "Die Sicht weekly als JSON-Liste von Objekten", _weekly_json,
             JSON, _weekly_items(), (AGS_PARAM, FROM_PARAM, TO_PARAM)),
    Endpoint("/api/v1/datapackage.json", "Frictionless-Datenpaket, das die CSV beschreibt",
             _datapackage, JSON, _OBJECT),
    Endpoint("/api/v1/briefing.pdf", "Lagebericht (PDF) der letzten gemeldeten Woche oder von week",
             _briefing, PDF, {"type": "string", "contentMediaType": "application/pdf"},
             (WEEK_PARAM,), not_found="Für die Woche liegen keine Meldungen vor."),
    Endpoint("/api/v1/reporting.csv", "Die Sicht reporting_status: Meldestand je Kreis und Woche "
             "(pünktlich, verspätet, fehlt, offen)", _reporting_csv, CSV, _STRING,
             (AGS_PARAM, FROM_PARAM, TO_PARAM)),
    Endpoint("/api/v1/allocation.csv", "Verteilungsvorschlag für persons Personen in week (Vorgabe: "
             "die Woche nach der letzten gemeldeten), Spalten ags,name,share_percent,soll,ist,"
             "deficit,free_usable,cap,proposed", _allocation, CSV, _STRING,
             (Param("persons", {"type": "integer", "minimum": 0, "maximum": allocation.MAX_PERSONS},
                    "zu verteilende Personen", _persons, required=True, example="120"),
              WEEK_PARAM),
             not_found="Kein Verteilschlüssel für die Woche oder noch keine Meldungen."),
    Endpoint("/api/v1/openapi.json", "Dieses Dokument (OpenAPI 3.1)", _openapi, JSON, _OBJECT,
             needs_data=False, common=False),
)


def _read_params(request: Request, endpoint: Endpoint, lang: str) -> dict:
    """The query parameters read by their :class:`Param`: each at most once, each declared,
    every required one present."""
    declared = {p.name: p for p in endpoint.all_params()}
    found: dict[str, object] = {}
    for name, value in request.query_params.multi_items():
        if name not in declared:
            raise BadRequest(t("api.unknown_parameter", lang, name=name[:40],
                               allowed=", ".join(declared) or "–"))
        if name in found:
            raise BadRequest(t("api.repeated_parameter", lang, name=name))
        found[name] = declared[name].read(value, name, lang)
    for param in declared.values():
        if param.required and param.name not in found:
            raise BadRequest(t("api.missing_parameter", lang, name=param.name))
    return found


def _endpoint(entry: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """The entry's answer in a worker thread; its failures as plain answers, never a traceback."""
    def respond(request: Request, lang: str) -> Response:
        params = _read_params(request, entry, lang)
        with ExitStack() as scope:
            for param in entry.all_params():
                if param.around is not None and param.name in params:
                    scope.enter_context(param.around(params.pop(param.name)))
            return entry.answer(params, lang)

    async def endpoint(request: Request) -> Response:
        lang = _lang(request)
        try:
            # built here where this instance has none yet (no visitor needed for it)
            if entry.needs_data and not await run_in_threadpool(db.snapshot_ready):
                return PlainTextResponse(t("api.no_snapshot", lang), status_code=503)
            return await run_in_threadpool(respond, request, lang)
        except BadRequest as error:
            return PlainTextResponse(str(error), status_code=400)
        except NotFound as error:
            return PlainTextResponse(str(error), status_code=404)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("api failed ref=%s path=%s query=%s", reference, request.url.path,
                          request.url.query[:200])
            return PlainTextResponse(t("api.error", lang, reference=reference), status_code=500)
    endpoint.__name__ = entry.answer.__name__.lstrip("_")
    return endpoint


async def _not_found(request: Request) -> PlainTextResponse:
    return PlainTextResponse(t("api.not_found", _lang(request), path=request.url.path[:100]),
                             status_code=404)


def routes() -> list[BaseRoute]:
    """The API's routes; the last one answers 404 for every other path under ``/api/``."""
    return [*(Route(entry.path, _endpoint(entry), methods=["GET"]) for entry in ENDPOINTS),
            Route("/api/{rest:path}", _not_found)]


# ---------------------------------------------------------------- the OpenAPI document
def _plain(description: str, example: str) -> dict:
    return {"description": description,
            "content": {TEXT: {"schema": {"type": "string"}, "example": example}}}


def _operation(entry: Endpoint) -> dict:
    answers = {"200": {"description": entry.summary,
                       "content": {entry.media_type.split(";")[0]: {"schema": entry.schema}}},
               "400": _plain("Ungültiger Parameter: eine Erklärung in einem Satz (Deutsch; "
                             "Englisch bei Accept-Language: en)",
                             t("api.unknown_parameter", "de", name="kreis", allowed="ags, from, to")),
               "500": _plain("Interner Fehler: nur eine Kennung, kein Stacktrace",
                             t("api.error", "de", reference="1a2b3c4d"))}
    if entry.not_found:
        answers["404"] = _plain(entry.not_found, t("api.no_week", "de", week="2023-W10"))
    if entry.needs_data:
        answers["503"] = _plain("Noch keine Daten veröffentlicht", t("api.no_snapshot", "de"))
    operation = {"operationId": entry.answer.__name__.lstrip("_"), "summary": entry.summary,
                 "responses": answers}
    parameters = [{"name": p.name, "in": "query", "required": p.required,
                   "description": p.description, "schema": p.schema,
                   **({"example": p.example} if p.example is not None else {})}
                  for p in entry.all_params()]
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


def openapi() -> dict:
    """The OpenAPI 3.1 document of every path of :data:`ENDPOINTS`."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Aufnahme-Monitor: offene Daten", "version": VERSION,
                 "description": "Nur lesend, ohne Anmeldung, auf dem Port der App. CSV: UTF-8, "
                                "Kopfzeile, `,` als Trennzeichen, `.` als Dezimalpunkt. Ein "
                                "unbekannter Pfad unter /api/ ergibt 404.",
                 "license": {"name": config.settings().license_name,
                             "url": config.settings().license_path}},
        "paths": {entry.path: _operation(entry) for entry in ENDPOINTS},
    }
