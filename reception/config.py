"""Configuration: every environment variable and every setting, each declared once.

Like Datasette's ``CONFIG_OPTIONS``: :data:`OPTIONS` lists each environment variable with its
default and a help text, :data:`SETTINGS` each tunable of ``data/settings.toml`` with its unit.
Code reads a variable only through :func:`env` (an undeclared name is a ``KeyError``), and the
README's "Konfiguration" tables are :func:`readme_tables` (``tests/test_config.py`` checks that
they agree). The contract's variables (``../shared/CONTRACT.md``) are ``RECEPTION_DB`` and
``RECEPTION_INBOX``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, fields
from datetime import date
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DISTRICTS = DATA_DIR / "districts_thueringen.csv"
DEFAULT_DISTRIBUTION_KEY = DATA_DIR / "distribution_key_thueringen.csv"
# Official reference of all German districts and their boundaries (see data/reference/README.md).
REFERENCE_DIR = DATA_DIR / "reference"
GERMANY_DISTRICTS = REFERENCE_DIR / "kreise_deutschland.csv"
DEFAULT_GEOJSON = REFERENCE_DIR / "deutschland_kreise.geojson"
DEFAULT_LAND = "16"
STREAMLIT_CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"


@dataclass(frozen=True)
class Option:
    """One environment variable. ``default`` None: unset unless the user sets it."""

    name: str
    default: str | None
    help: str  # German, as the README shows it


OPTIONS: tuple[Option, ...] = (
    Option("RECEPTION_DB", "data/reception.duckdb",
           "die DuckDB-Datei, die App und ETL teilen (relativ zum Projektordner); der Snapshot "
           "der App liegt daneben als `…duckdb.snapshot`. Oder eine URL `postgresql://…`: der "
           "gemeinsame Datenbestand mehrerer App-Instanzen und Schreiber (Abschnitt „Mehrere "
           "Server“)"),
    Option("RECEPTION_SNAPSHOT_DIR", "data",
           "nur mit PostgreSQL: Ordner dieses Rechners für seine lokale Kopie "
           "(`postgres-mirror.duckdb`) und deren Snapshot; je App-Instanz ein eigener"),
    Option("RECEPTION_INBOX", "data/inbox", "Posteingang des wöchentlichen Laufs (`etl weekly`)"),
    Option("RECEPTION_SETTINGS", "data/settings.toml",
           "Schwellen und andere Einstellungen (Tabelle unten)"),
    Option("RECEPTION_ACCOUNTS", "~/.config/aufnahme-monitor/accounts.json",
           "Konten der Upload-Seite (Dateirechte 0600, Passwörter als argon2id-Hash)"),
    Option("RECEPTION_PASSWORD", None,
           "Passwort für `etl user add` und `etl user passwd` in Skripten; ungesetzt wird es "
           "ohne Echo erfragt"),
    Option("RECEPTION_GEOJSON", None,
           "GeoJSON-Datei mit Kreisgrenzen (Eigenschaft `AGS`, `RS`, …) für die Karte; "
           "ungesetzt: Kachelkarte"),
    Option("BROWSER_PATH", None,
           "Chromium, mit dem kaleido die Diagramme des Lageberichts zeichnet; ungesetzt: "
           "`/usr/bin/chromium`, wenn vorhanden"),
    Option("RECEPTION_SMTP_URL", None,
           "Mailserver für Erinnerungen und Warnungen: `smtp://benutzer@host:587` (STARTTLS), "
           "`smtps://benutzer@host:465` (TLS), `smtp://host:25` (ohne Verschlüsselung); "
           "ungesetzt: keine E-Mails (Abschnitt „Fristen, Erinnerungen, Warnungen“)"),
    Option("RECEPTION_SMTP_PASSWORD", None,
           "Passwort des Benutzers in `RECEPTION_SMTP_URL`; steht nie in einem Protokoll"),
    Option("RECEPTION_MAIL_FROM", None,
           "Absenderadresse der E-Mails, z. B. `aufnahme-monitor@example.org`"),
    Option("RECEPTION_RAISE_ERRORS", None,
           "`1`: ein Fehler auf einer Seite wird weitergereicht statt als Kennung gezeigt "
           "(nur für Tests)"),
)
_BY_NAME = {option.name: option for option in OPTIONS}


def env(name: str) -> str | None:
    """The variable ``name`` from the environment, else its declared default."""
    return os.environ.get(name, _BY_NAME[name].default)


def _path(name: str) -> Path:
    """A path variable: as set (relative to the working directory), else its default, which is
    relative to the project folder."""
    value = os.environ.get(name)
    return Path(value) if value is not None else PROJECT_ROOT / _BY_NAME[name].default


def db_path() -> Path:
    """The shared DuckDB file (``RECEPTION_DB``); where ``RECEPTION_DB`` is a PostgreSQL URL,
    this machine's mirror of that store (in :func:`snapshot_dir`)."""
    if store_url():
        return snapshot_dir() / "postgres-mirror.duckdb"
    return _path("RECEPTION_DB")


def snapshot_path(db: Path | None = None) -> Path:
    """The read-only copy the app reads, beside the database ``db`` (default :func:`db_path`);
    published by every write (``reception.store.db.publish_snapshot``)."""
    db = Path(db) if db is not None else db_path()
    return db.with_name(db.name + ".snapshot")


def store_url() -> str | None:
    """``RECEPTION_DB`` where it is a PostgreSQL URL (the shared store), else None."""
    value = env("RECEPTION_DB") or ""
    return value if value.startswith(("postgresql://", "postgres://")) else None


def store_label() -> str:
    """The store as messages name it: the DuckDB file, or the PostgreSQL URL without password."""
    url = store_url()
    if url is None:
        return str(db_path())
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def snapshot_dir() -> Path:
    """With a PostgreSQL store: the local folder of this machine's mirror and read snapshot
    (``RECEPTION_SNAPSHOT_DIR``, default ``data/``)."""
    return _path("RECEPTION_SNAPSHOT_DIR")


def inbox_path() -> Path:
    """Where the weekly run picks up reports (``RECEPTION_INBOX``)."""
    return _path("RECEPTION_INBOX")


def accounts_path() -> Path:
    """The accounts file of the upload page (``RECEPTION_ACCOUNTS``)."""
    return Path(env("RECEPTION_ACCOUNTS")).expanduser()


def geojson_path() -> Path | None:
    """The configured boundary file (``RECEPTION_GEOJSON``), when set and present."""
    value = (env("RECEPTION_GEOJSON") or "").strip()
    if not value:
        return None
    path = Path(value)
    return path if path.is_file() else None


def smtp_url() -> str | None:
    """``RECEPTION_SMTP_URL``; None where unset or empty (then no mail is sent)."""
    return (env("RECEPTION_SMTP_URL") or "").strip() or None


def smtp_password() -> str | None:
    return env("RECEPTION_SMTP_PASSWORD") or None


def mail_from() -> str | None:
    return (env("RECEPTION_MAIL_FROM") or "").strip() or None


def raise_errors() -> bool:
    """``RECEPTION_RAISE_ERRORS=1``: pages re-raise instead of showing a reference (tests)."""
    return env("RECEPTION_RAISE_ERRORS") == "1"


def password() -> str | None:
    """``RECEPTION_PASSWORD`` for scripts; None when unset (then it is asked for)."""
    return env("RECEPTION_PASSWORD")


DEFAULT_MAX_UPLOAD_MB = 50


def max_upload_mb() -> int:
    """``server.maxUploadSize`` (MB) from ``.streamlit/config.toml``, the limit Streamlit itself
    enforces, so that the upload page's own check and message use the same figure."""
    try:
        raw = tomllib.loads(STREAMLIT_CONFIG.read_text("utf-8"))
        return int(raw.get("server", {}).get("maxUploadSize", DEFAULT_MAX_UPLOAD_MB))
    except (OSError, ValueError, tomllib.TOMLDecodeError):
        return DEFAULT_MAX_UPLOAD_MB


@dataclass(frozen=True)
class Setting:
    """One tunable of ``data/settings.toml``: the :class:`Settings` field, where it lives in the
    file (``section.key``), its unit and its meaning."""

    field: str
    key: str
    unit: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("warn_rate", "thresholds.warn_rate", "Anteil (0,90 = 90 %)",
            "Auslastung der belegbaren Plätze (Belegung / belegbare Plätze), ab der ein Kreis gelb "
            "erscheint („nahe Belastungsgrenze“)"),
    Setting("limit_rate", "thresholds.limit_rate", "Anteil",
            "Auslastung, ab der ein Kreis rot erscheint („Belastungsgrenze erreicht“)"),
    Setting("runway_horizon_weeks", "early_warning.runway_horizon_weeks", "Wochen",
            "Frühwarnliste: Kreise, deren freie belegbare Plätze in höchstens so vielen Wochen "
            "aufgebraucht sind"),
    Setting("net_intake_window_weeks", "early_warning.net_intake_window_weeks", "Wochen",
            "Nettozugang (Zugänge − Abgänge) gemittelt über so viele zuletzt gemeldete Wochen"),
    Setting("forecast_weeks", "forecast.weeks", "Wochen", "Horizont der Zugangsprognose"),
    Setting("state_minimum_places", "state.minimum_places", "Plätze",
            "Plätze, die alle Kreise zusammen vorhalten müssen (Landesmindestzahl)"),
    Setting("lock_timeout_seconds", "database.lock_timeout_seconds", "Sekunden",
            "so lange wartet ein Schreiber auf die Sperre eines anderen, dann bricht er mit "
            "Meldung ab"),
    Setting("store_retry_seconds", "database.store_retry_seconds", "Sekunden",
            "nur mit PostgreSQL: so lange versucht ein Schreiber, den gemeinsamen Datenbestand "
            "wieder zu erreichen (Neustart, Ausfall), dann bricht er mit Meldung ab"),
    Setting("briefing_after_weekly", "briefing.after_weekly", "ja/nein",
            "nach einem Wochenlauf, der mindestens eine Datei geladen hat, den Lagebericht der "
            "letzten Woche nach `briefings/` neben der Datenbank schreiben"),
    Setting("license_name", "open_data.license_name", "Kennung",
            "Lizenz der offenen Daten (`/api/v1/…`, `etl export`), wie `datapackage.json` sie nennt"),
    Setting("license_title", "open_data.license_title", "Text", "ausgeschriebener Name der Lizenz"),
    Setting("license_path", "open_data.license_path", "URL", "Lizenztext"),
    Setting("publisher", "open_data.publisher", "Text",
            "Herausgeber der offenen Daten (leer: nicht genannt)"),
    Setting("session_hours", "signin.session_hours", "Stunden",
            "so lange bleibt eine Datenverantwortliche nach der Anmeldung angemeldet (Neuladen, "
            "neue Tabs), wenn sie sich nicht vorher abmeldet"),
    Setting("accessibility_contact", "accessibility.contact", "Text",
            "Kontakt für Rückmeldungen zur Barrierefreiheit (Erklärung zur Barrierefreiheit auf "
            "der Seite Methodik); trägt der Betrieb ein"),
    # The Land's reimbursement per usable place (Seite Kreis): Thuringia's monthly flat rates;
    # sources and the chosen validity are noted in data/settings.toml.
    Setting("reimbursement_landkreis", "reimbursement.landkreis", "€ je Platz und Monat",
            "Erstattung des Landes je tatsächlich belegbarem Platz in einem Landkreis (Seite Kreis)"),
    Setting("reimbursement_kreisfreie_stadt", "reimbursement.kreisfreie_stadt",
            "€ je Platz und Monat",
            "Erstattung je tatsächlich belegbarem Platz in einer kreisfreien Stadt"),
    Setting("reimbursement_valid_from", "reimbursement.valid_from", "Datum",
            "erster Tag, ab dem die Sätze gelten (eine Woche zählt nach ihrem Montag)"),
    Setting("reimbursement_valid_to", "reimbursement.valid_to", "Datum",
            "letzter Tag, bis zu dem die Sätze gelten; danach zeigt die Seite keinen Betrag"),
    Setting("reimbursement_legal_basis", "reimbursement.legal_basis", "Text",
            "Rechtsgrundlage der Sätze, wie die Seite Kreis sie nennt"),
    Setting("reimbursement_land", "reimbursement.land", "Kennung",
            "Land (zweistelliger Schlüssel), für das die Sätze gelten; für ein anderes Land zeigt "
            "die Seite keinen Betrag"),
    # Plausibility findings (CONTRACT.md): a row against the district's latest earlier week
    Setting("jump_factor", "plausibility.jump_factor", "Faktor",
            "Sprung: Kapazität, nicht belegbare Plätze oder Belegung mindestens so viel mal so "
            "groß wie in der Vorwoche oder höchstens der so vielte Teil davon …"),
    Setting("jump_min_difference", "plausibility.jump_min_difference", "Personen/Plätze",
            "… und mindestens so weit vom Wert der Vorwoche entfernt"),
    Setting("balance_min_difference", "plausibility.balance_min_difference", "Personen",
            "Bilanz: Belegung weicht um mehr als so viele von Belegung der Vorwoche + Zugänge − "
            "Abgänge ab …"),
    Setting("balance_min_share", "plausibility.balance_min_share", "Anteil (0,30 = 30 %)",
            "… und um mehr als diesen Anteil der Belegung der Vorwoche"),
    Setting("old_week_weeks", "plausibility.old_week_weeks", "Wochen",
            "alte Woche: eine Zeile ersetzt Zahlen einer Woche, die mehr als so viele Wochen vor "
            "der letzten Meldung des Kreises liegt"),
    Setting("allocation_reserve_percent", "allocation.reserve_percent", "Prozent",
            "Verteilungsvorschlag: so viel Prozent der belegbaren Plätze jedes Kreises bleiben "
            "frei (Obergrenze = freie belegbare Plätze − Reserve)"),
    Setting("reporting_deadline", "reporting.deadline", "Wochentag Uhrzeit",
            "Meldefrist: die Meldung der Woche W ist an diesem Wochentag (MON … SUN) und zu dieser "
            "Uhrzeit (Europe/Berlin) der Woche W+1 fällig"),
    Setting("escalate_after_hours", "reporting.escalate_after_hours", "Stunden",
            "so lange nach der Frist geht eine Liste der noch fehlenden Kreise an die "
            "Landeskontakte"),
    Setting("land_contacts", "reporting.land_contacts", "Adressen",
            "E-Mail-Adressen des Landes, die die Eskalation erhalten"),
    Setting("alert_recipients", "alerts.recipients", "Adressen",
            "E-Mail-Adressen, die eine Warnung erhalten, wenn ein Kreis „angespannt“ oder "
            "„Grenze erreicht“ wird (zusätzlich zu den Datenverantwortlichen des Kreises)"),
    Setting("public_url", "app.public_url", "URL",
            "Adresse der App, wie Links in E-Mails sie nennen (z. B. "
            "`https://aufnahme.example.org`)"),
)


@dataclass(frozen=True)
class Settings:
    """The tunables of ``data/settings.toml``; meaning and unit of each field in
    :data:`SETTINGS`, the shipped values in the file (and the README's table)."""

    warn_rate: float  # share of the usable places
    limit_rate: float  # share of the usable places
    runway_horizon_weeks: int  # weeks
    net_intake_window_weeks: int  # weeks
    forecast_weeks: int  # weeks
    state_minimum_places: int  # places
    lock_timeout_seconds: float  # seconds
    # Defaults here only for Settings built in code (tests); the file always sets them.
    store_retry_seconds: float = 30.0  # seconds
    briefing_after_weekly: bool = True  # on / off
    license_name: str = "dl-de-by-2.0"  # open data licence (datapackage.json)
    license_title: str = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    license_path: str = "https://www.govdata.de/dl-de/by-2-0"
    publisher: str = ""
    session_hours: float = 8.0  # hours
    accessibility_contact: str = ""  # free text; empty: the page says that it is missing
    reimbursement_landkreis: float = 294.0  # € per usable place and month
    reimbursement_kreisfreie_stadt: float = 332.0  # € per usable place and month
    reimbursement_valid_from: date = date(2024, 1, 1)  # first day in force
    reimbursement_valid_to: date = date(2026, 12, 31)  # last day in force
    reimbursement_legal_basis: str = ""
    reimbursement_land: str = "16"  # the Land the rates are for
    jump_factor: float = 3.0  # times the earlier figure (or its reciprocal)
    jump_min_difference: int = 50  # persons or places
    balance_min_difference: int = 50  # persons
    balance_min_share: float = 0.30  # of the earlier occupied
    old_week_weeks: int = 8  # weeks before the district's latest reported week

    allocation_reserve_percent: float = 0.0  # percent of usable places kept free
    reporting_deadline: str = "TUE 12:00"  # weekday and time (Europe/Berlin) of week W+1
    escalate_after_hours: float = 24.0  # hours after the deadline
    land_contacts: tuple[str, ...] = ()  # e-mail addresses
    alert_recipients: tuple[str, ...] = ()  # e-mail addresses
    public_url: str = "http://localhost:8501"  # the app as links in e-mails name it

    def plausibility(self) -> dict[str, float]:
        """The thresholds of the plausibility findings (``rules.history_sql`` fills them in)."""
        return {name: getattr(self, name) for name in (
            "jump_factor", "jump_min_difference", "balance_min_difference",
            "balance_min_share", "old_week_weeks")}

    @property
    def deadline(self) -> tuple[int, int]:
        """``reporting_deadline`` as (weekday, minute of the day); weekday 0 is Monday."""
        return parse_deadline(self.reporting_deadline)


def settings_path() -> Path:
    return _path("RECEPTION_SETTINGS")


def _read_settings(path: Path) -> Settings:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    kinds = {f.name: f.type for f in fields(Settings)}
    optional = {f.name for f in fields(Settings) if f.default is not MISSING}
    values = {}
    for setting in SETTINGS:
        section, key = setting.key.split(".")
        if setting.field in optional and key not in raw.get(section, {}):
            continue  # a settings file older than the setting: its default
        cast = {"float": float, "bool": bool, "str": lambda v: str(v).strip(),
                "date": _day, "tuple[str, ...]": _addresses}.get(kinds[setting.field], int)
        if key in raw.get(section, {}):
            values[setting.field] = cast(raw[section][key])
    found = Settings(**values)
    found.deadline  # noqa: B018 (refuses a malformed deadline when the file is read)
    return found


WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def parse_deadline(text: str) -> tuple[int, int]:
    """``"TUE 12:00"`` -> (1, 720): the weekday (0 = Monday) and minute of the day."""
    parts = text.strip().upper().split()
    if len(parts) != 2 or parts[0] not in WEEKDAYS:
        raise ValueError(f"[reporting] deadline: {text!r} is not like 'TUE 12:00'")
    hours, _, minutes = parts[1].partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"[reporting] deadline: {text!r} is not like 'TUE 12:00'")
    return WEEKDAYS.index(parts[0]), int(hours) * 60 + int(minutes)


def _addresses(value: object) -> tuple[str, ...]:
    """A TOML list of e-mail addresses (or one address as a string)."""
    items = [value] if isinstance(value, str) else list(value)
    return tuple(str(item).strip() for item in items if str(item).strip())


def _day(value: object) -> date:
    """A TOML date (``2024-01-01``, parsed by tomllib) or the same as a string."""
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Thresholds and tunables from ``data/settings.toml`` (``RECEPTION_SETTINGS`` overrides)."""
    return _read_settings(settings_path())


def _german(value: float | bool | str | date | tuple) -> str:
    """A shipped value as the German README shows it: counts and whole seconds with a thousands
    point (13.500, 30), shares with two decimals (0,90, 1,00), switches as ja/nein, days as
    01.01.2024. Not ``fmt``: everything imports config, so config imports nothing of the project."""
    if isinstance(value, tuple):
        return ", ".join(f"`{item}`" for item in value) if value else "leer"
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, str):
        return f"„{value}“" if value else "leer"
    if isinstance(value, int) or (value.is_integer() and value >= 10):
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.2f}".replace(".", ",")


def readme_tables() -> str:
    """The README's configuration tables (variables, then settings with the shipped values)."""
    lines = ["| Variable | Vorgabe | Bedeutung |", "|---|---|---|"]
    for option in OPTIONS:
        default = f"`{option.default}`" if option.default is not None else "–"
        lines.append(f"| `{option.name}` | {default} | {option.help} |")
    shipped = _read_settings(DATA_DIR / "settings.toml")
    lines += ["", "| Einstellung (`data/settings.toml`) | Vorgabe | Einheit | Bedeutung |",
              "|---|---|---|---|"]
    for setting in SETTINGS:
        value = _german(getattr(shipped, setting.field))
        lines.append(f"| `{setting.key}` | {value} | {setting.unit} | {setting.help} |")
    lines.append(f"| `server.maxUploadSize` (`.streamlit/config.toml`) | {max_upload_mb()} | MB | "
                 "größte Datei, die die Upload-Seite annimmt |")
    return "\n".join(lines)
