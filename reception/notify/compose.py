"""The messages, German plain text with a simple HTML part (``email.message.EmailMessage``).

A district's reminder names that district alone: no other district's figures. Values from the
store (names) are escaped in the HTML part; nothing is rendered from a report file.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from reception import config, fmt
from reception.i18n import t
from reception.read import timeliness

LANG = "de"  # the messages go to German offices
UPLOAD_PAGE = "hochladen"  # url_path of pages/hochladen.py
FORM_PAGE = "erfassen"  # url_path of the report form (pages/erfassen.py)
KREIS_PAGE = "kreis"
MELDUNGEN_PAGE = "meldungen"


@dataclass(frozen=True)
class Text:
    """A message before it is addressed: subject, paragraphs, list items and links."""

    subject: str
    lead: str
    items: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()


def link(page: str, **query: str) -> str:
    base = config.settings().public_url.rstrip("/")
    suffix = "&".join(f"{key}={value}" for key, value in query.items())
    return f"{base}/{page}" + (f"?{suffix}" if suffix else "")


def report_links() -> tuple[tuple[str, str], ...]:
    return ((t("mail.upload_link", LANG), link(UPLOAD_PAGE)),
            (t("mail.form_link", LANG), link(FORM_PAGE)))


def email(text: Text, recipient: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = text.subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(_plain(text))
    message.add_alternative(_html(text), subtype="html")
    return message


def _plain(text: Text) -> str:
    lines = [t("mail.greeting", LANG), "", text.lead, ""]
    lines += [f"- {item}" for item in text.items]
    lines += [""] if text.items else []
    lines += [f"{label}: {url}" for label, url in text.links]
    lines += ["", "-- ", t("mail.footer", LANG)]
    return "\n".join(lines) + "\n"


def _html(text: Text) -> str:
    e = html.escape
    parts = [f'<!DOCTYPE html><html lang="{LANG}"><head><meta charset="utf-8">'
             f"<title>{e(text.subject)}</title></head><body>",
             f"<p>{e(t('mail.greeting', LANG))}</p>", f"<p>{e(text.lead)}</p>"]
    if text.items:
        parts.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in text.items) + "</ul>")
    if text.links:
        parts.append("<ul>" + "".join(f'<li><a href="{e(url, quote=True)}">{e(label)}</a></li>'
                                      for label, url in text.links) + "</ul>")
    parts.append(f"<p><small>{e(t('mail.footer', LANG))}</small></p></body></html>")
    return "".join(parts)


def due_text(due_at) -> str:
    """``Di 12.11.2024 12:00 Uhr`` from a UTC timestamp, in Berlin time."""
    local = timeliness.berlin(due_at)
    weekday = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")[local.weekday()]
    return f"{weekday} {local:%d.%m.%Y %H:%M} Uhr"


def reminder(name: str, week, due_at) -> Text:
    values = {"name": name, "week": fmt.iso_week(week, LANG), "due": due_text(due_at)}
    return Text(t("reminder.subject", LANG, **values), t("reminder.body", LANG, **values),
                links=report_links())


def escalation(week, due_at, hours: float, districts: list[dict]) -> Text:
    """``districts``: name, ags, officers (list), rate (share or NaN), one per missing district."""
    values = {"week": fmt.iso_week(week, LANG), "due": due_text(due_at),
              "hours": fmt.number(hours, 0, LANG), "count": len(districts)}
    items = tuple(t("escalation.line", LANG, name=d["name"], ags=d["ags"],
                    officers=", ".join(d["officers"]) or t("escalation.no_officers", LANG),
                    weeks=d["weeks"], rate=fmt.percent(d["rate"], 0, LANG))
                  for d in districts)
    subject = "escalation.subject_one" if len(districts) == 1 else "escalation.subject"
    links = ((t("mail.meldungen_link", LANG), link(MELDUNGEN_PAGE)), *report_links())
    return Text(t(subject, LANG, **values), t("escalation.body", LANG, **values), items, links)


def alert(row: dict, level_word: str) -> Text:
    """``row``: one district's latest figures (``metrics.latest_by_district``)."""
    settings = config.settings()
    rate = fmt.percent(row["usable_rate"], 1, LANG)
    subject = t("alert.subject", LANG, name=row["name"], level=level_word, rate=rate)
    lead = t("alert.body", LANG, name=row["name"], week=fmt.iso_week(row["week"], LANG),
             level=level_word, warn=fmt.percent(settings.warn_rate, 0, LANG),
             limit=fmt.percent(settings.limit_rate, 0, LANG))
    figures = t("alert.figures", LANG, occupied=fmt.number(row["occupied"], 0, LANG),
                usable=fmt.number(row["capacity_usable"], 0, LANG), rate=rate,
                free=fmt.number(row["free_usable"], 0, LANG),
                runway=fmt.weeks(row["runway_weeks"], LANG))
    return Text(subject, lead, (figures,),
                ((t("mail.dashboard_link", LANG), link(KREIS_PAGE, kreis=row["ags"])),))
