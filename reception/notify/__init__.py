"""Messages by e-mail: reminders and escalations (``etl remind``) and the alerts after a load.

Between the write path and the read path: it reads the store's timeliness and traffic lights
(``reception.read``), claims each message in the store (``reception.store.ledger``) and sends it
(:mod:`reception.notify.mail`). Only ``etl`` and ``reception.web`` import it; the write path
calls it through the hook ``reception.ingest.load.AFTER_COMMIT``, which they install.
"""
from __future__ import annotations

import logging


def install() -> None:
    """Have every committed load (CLI, inbox, upload, form) check for alerts; idempotent. Cheap
    to call at start: the alert code is imported only when a load comes and mail is set up."""
    from reception.ingest import load

    if _after_load not in load.AFTER_COMMIT:
        load.AFTER_COMMIT.append(_after_load)


def _after_load(load_id: int, source: str) -> None:
    from reception import config

    if not config.smtp_url():  # no mail server: no alert, and nothing imported
        logging.getLogger(__name__).info("load %s: no alert checked, RECEPTION_SMTP_URL unset",
                                         load_id)
        return
    from reception.notify import alerts

    alerts.after_load(load_id, source)
