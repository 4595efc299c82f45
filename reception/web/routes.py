"""HTTP paths served beside the pages by the same process (``st.App(..., routes=...)``).

``dashboard.py`` mounts :func:`routes`. Each concern keeps its own routes in its own module and
is listed here once: the read-only open-data API (``/api/v1/...``, health check included), the
sign-in cookie routes, the static overview (``/lagebild``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every HTTP route of the app besides Streamlit's own. Called once as the app starts, so
    the process-wide set-up lives here too: alerts after every load of this process (upload,
    form; ``reception.notify.install``)."""
    from reception import notify
    from reception.web import api, lagebild, session

    notify.install()

    # api keeps last: its catch-all answers 404 for any other /api/ path
    return [*session.routes(), *lagebild.routes(), *api.routes()]
