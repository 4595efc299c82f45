"""Sending e-mail with the standard library (``smtplib``, ``email``).

``RECEPTION_SMTP_URL`` says how to reach the server (CONTRACT.md, "Notifications"):
``smtp://user@host:587`` talks plain SMTP and upgrades with STARTTLS (always where a user is
given or the port is 587: a password never crosses the network unencrypted), ``smtps://…`` is TLS
from the first byte (default port 465), ``smtp://host:port`` without a user is plain SMTP (a relay
on the same network; default port 25). The password comes from ``RECEPTION_SMTP_PASSWORD`` only;
nothing here logs it, and messages name the server without it. Every network step has a timeout.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import unquote, urlsplit

from reception import config
from reception.i18n import t

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15.0


class MailError(RuntimeError):
    """The server could not be reached or refused. ``key`` and ``params`` name the sentence
    (``mail.*``, never a password); ``str()`` is German, :meth:`sentence` in ``lang``."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.sentence("de"))

    def sentence(self, lang: str = "de") -> str:
        return t(self.key, lang, **self.params)


class NotConfigured(MailError):
    """``RECEPTION_SMTP_URL`` or ``RECEPTION_MAIL_FROM`` is not set."""


@dataclass(frozen=True)
class Server:
    scheme: str  # smtp or smtps
    host: str
    port: int
    user: str | None
    starttls: bool

    @property
    def label(self) -> str:
        """The server as messages name it (never with a password)."""
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def server_from_url(url: str) -> Server:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise NotConfigured("mail.bad_url")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise NotConfigured("mail.bad_port") from None
    user = unquote(parts.username) if parts.username else None
    starttls = parts.scheme == "smtp" and (user is not None or port == 587)
    return Server(parts.scheme, parts.hostname, port, user, starttls)


def configured() -> bool:
    return bool(config.smtp_url() and config.mail_from())


def sender() -> str:
    found = config.mail_from()
    if not found:
        raise NotConfigured("mail.from_missing")
    return found


class Mailer:
    """One connection to the configured server for a batch of messages::

        with Mailer() as mailer:
            mailer.send(message)   # MailError where the server refuses this one
    """

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        url = config.smtp_url()
        if not url:
            raise NotConfigured("mail.url_missing")
        self.server = server_from_url(url)
        self.sender = sender()
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        server = self.server
        context = ssl.create_default_context()
        try:
            if server.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port,
                                                      timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            self._smtp = smtp
            smtp.ehlo()
            if server.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if server.user:
                smtp.login(server.user, config.smtp_password() or "")
        except (OSError, smtplib.SMTPException) as error:
            self._close()
            raise MailError("mail.unreachable", server=server.label, reason=_reason(error)) from None
        return self

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            raise MailError("mail.not_connected")
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise MailError("mail.recipient_refused", server=self.server.label,
                            recipient=message["To"]) from None
        except (OSError, smtplib.SMTPException) as error:
            raise MailError("mail.refused", server=self.server.label, recipient=message["To"],
                            reason=_reason(error)) from None
        if refused:
            raise MailError("mail.refused", server=self.server.label, recipient=message["To"],
                            reason=", ".join(refused))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._close()

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _reason(error: BaseException) -> str:
    """A short reason without the server's whole answer (and never a credential)."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(
            error.smtp_error, bytes) else str(error.smtp_error)
        return f"{error.smtp_code} {text.splitlines()[0][:120] if text else ''}".strip()
    return (str(error) or type(error).__name__).splitlines()[0][:160]
