"""HTTP paths served beside the pages by the same process (``st.App(..., routes=...)``).

``dashboard.py`` mounts :func:`routes`. Each concern keeps its own routes in its own module and
is listed here once: the read-only open-data API (``/api/v1/...``), the sign-in cookie routes,
the static overview (``/lagebild``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route


async def _health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def routes() -> list[BaseRoute]:
    """Every HTTP route of the app besides Streamlit's own."""
    from reception.web import api, lagebild, session

    return [Route("/api/v1/health", _health, methods=["GET"]), *session.routes(), *lagebild.routes(),
            *api.routes()]  # keep last: its catch-all answers 404 for any other /api/ path
