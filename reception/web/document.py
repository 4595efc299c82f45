"""The page's language in the HTML the browser first receives.

Streamlit serves one ``index.html`` with ``<html lang="en">`` for every page; a screen reader
picks its voice from it before any script runs. :class:`DocumentLanguage` (an ASGI middleware,
mounted by ``dashboard.py``) rewrites it to the language the address asks for (``?lang=en``),
German otherwise, the app's default. Once the page runs, ``ui.document_basics`` keeps ``lang``
in step with the language switch.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reception.i18n import DEFAULT_LANGUAGE, LANGUAGES

STREAMLIT_TAG = b'<html lang="en"'


def _asks_for_html(scope: Scope) -> bool:
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return scope["type"] == "http" and scope.get("method") == "GET" and b"text/html" in accept


def language_of(query: bytes) -> str:
    asked = parse_qs(query.decode("latin-1")).get("lang", [""])[0]
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


class DocumentLanguage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _asks_for_html(scope):
            await self.app(scope, receive, send)
            return
        tag = f'<html lang="{language_of(scope.get("query_string", b""))}"'.encode()
        # the page is small: asked uncompressed, so that the tag can be found in the body
        headers = [(key, value) for key, value in scope["headers"] if key != b"accept-encoding"]
        start: dict = {}
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                if b"text/html" not in dict(message.get("headers") or []).get(b"content-type", b""):
                    start["pass"] = True
                    await send(message)
                return
            if start.get("pass") or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks).replace(STREAMLIT_TAG, tag, 1)
            fixed = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            fixed.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": fixed})
            await send({"type": "http.response.body", "body": body})

        await self.app({**scope, "headers": headers}, receive, rewrite)
