"""The upload page's logic, without Streamlit: preview, load, history, rollback, templates.

The same road as ``python -m etl ingest``: ``reception.ingest.load.inspect_bytes`` reads, normalises and
validates (no second parser); ``reception.ingest.load.apply`` writes under ``reception.store.db.writer``;
``reception.ingest.load.changes`` and ``reception.ingest.load.rollback_preview`` say what a load or a rollback
would change, read from the published snapshot without the write lock
(``reception.ingest.load.store_reader``). Every function that writes checks the user's role
itself (``reception.accounts``), whatever the page shows; pass the user as the account file
has it now (``accounts.get_user``).

Plausibility findings (CONTRACT.md, issue 23), the interface for the upload page and the form
("Meldung erfassen"):

* ``preview_file(data, file_name, user)`` -> :class:`Preview`; ``Preview.findings`` holds the
  rows' findings against the store (``reception.ingest.plausibility.Findings``: iterate it for
  the :class:`~reception.ingest.problems.Problem` records with ``line``, ``column``, ``value``,
  ``earlier``, ``earlier_week`` and ``message(lang)``; ``.count`` counts all);
  ``Preview.findings_frame(lang)`` is the same as a table (line, column, value, earlier value,
  its week, message). Findings are neither errors nor warnings: ``Preview.ok`` stays true.
* ``load_preview(preview, user, confirmed=False, comment=None, source="upload")`` writes it.
  A preview with findings is refused with :class:`NeedsConfirmation` unless ``confirmed``;
  confirmed, the load records ``load_log.confirmed_by`` = the user and ``confirm_comment`` =
  ``comment`` (blank: none). The findings are checked again under the writer lock: where the
  store moved since the preview and new findings appear, an unconfirmed load raises
  :class:`NeedsConfirmation` with them (also in ``preview.findings`` then). ``source``:
  ``upload`` or ``form`` (``loads.source``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from reception import accounts, config, export, isoweek
from reception.i18n import t
from reception.ingest import load as loading
from reception.ingest.headers import MEASURES, PART_OF
from reception.ingest.load import Inspection, LoadResult
from reception.ingest.plausibility import Findings, findings_frame
from reception.ingest.problems import ERROR, Problem, problems_frame
from reception.store import db

log = logging.getLogger("reception.web.upload")

SOURCE = "upload"
PREVIEW_ROWS = 50
TEMPLATE_CSV = config.DATA_DIR / "vorlage_meldung.csv"
TEMPLATE_XLSX = config.DATA_DIR / "vorlage_meldung.xlsx"


class NotAllowed(PermissionError):
    """The user's role does not permit this (checked on the server, on every call)."""


class NeedsConfirmation(ValueError):
    """The file has plausibility findings and the user did not confirm them; nothing loaded."""

    def __init__(self, findings: Findings) -> None:
        super().__init__(f"{findings.count} plausibility finding(s) not confirmed; nothing loaded")
        self.findings = findings


def max_upload_bytes() -> int:
    """``config.max_upload_mb`` in bytes: the limit Streamlit enforces, the same everywhere."""
    return config.max_upload_mb() * 1024 * 1024


# ---------------------------------------------------------------- preview

@dataclass
class Preview:
    """What is known about an uploaded file before anything is written."""

    file_name: str
    size: int
    sha256: str = ""
    inspection: Inspection | None = None
    extra_problems: list[Problem] = field(default_factory=list)  # size, district of the officer
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # replaced figures, old and new
    new_figures: int = 0
    new_weeks: list[date] = field(default_factory=list)
    duplicate_of: tuple | None = None  # (load_id, loaded_at) of an earlier load of the same bytes
    district_names: dict[str, str] = field(default_factory=dict)
    # plausibility findings against the store: the file loads only once they are confirmed
    findings: Findings = field(default_factory=Findings)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.findings)

    def findings_frame(self, lang: str = "de") -> pd.DataFrame:
        """The findings: line, column, value, earlier value, its week, message."""
        return findings_frame(self.findings, lang)

    @property
    def problems(self) -> list[Problem]:
        return self.extra_problems + (self.inspection.problems if self.inspection else [])

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != ERROR]

    @property
    def error_count(self) -> int:
        counted = self.inspection.validation.error_count if self.inspection else 0
        return counted + sum(p.severity == ERROR for p in self.extra_problems)

    @property
    def warning_count(self) -> int:
        """All warnings, also those counted but not listed (``validate.MAX_PROBLEMS``)."""
        counted = self.inspection.validation.warning_count if self.inspection else 0
        return counted + sum(p.severity != ERROR for p in self.extra_problems)

    @property
    def ok(self) -> bool:
        return (self.inspection is not None and self.inspection.ok
                and not any(p.severity == ERROR for p in self.extra_problems))

    @property
    def rows(self) -> int:
        rows = self.inspection.rows if self.inspection else None
        return rows.num_rows if rows is not None else 0

    @property
    def replaced(self) -> int:
        return len(self.changes)

    def format_frame(self, lang: str = "de") -> pd.DataFrame:
        """How the file was read: kind, encoding, delimiter, sheet, header line."""
        items: list[tuple[str, str]] = [(t("upload.fmt.size", lang), size_text(self.size))]
        read = self.inspection.read if self.inspection else None
        if read is not None:
            names = {";": "semicolon", ",": "comma", "\t": "tab"}
            delimiter = (t(f"upload.fmt.{names[read.delimiter]}", lang) if read.delimiter in names
                         else read.delimiter or "–")
            items += [
                (t("upload.fmt.kind", lang), read.file_kind.upper()),
                (t("upload.fmt.encoding", lang), read.encoding or "–"),
                (t("upload.fmt.delimiter", lang), delimiter if read.file_kind == "csv" else "–"),
                (t("upload.fmt.header_line", lang),
                 str(read.header_line) if read.header_line else "–"),
            ]
            if read.sheet:
                items.append((t("upload.fmt.sheet", lang), read.sheet))
        return pd.DataFrame(items, columns=[t("upload.fmt.what", lang), t("upload.fmt.value", lang)])

    def columns_frame(self, lang: str = "de") -> pd.DataFrame:
        """Which column of the file became which field (and which were ignored)."""
        read = self.inspection.read if self.inspection else None
        items: list[tuple[str, str]] = []
        if read is not None:
            items += [(label, t(f"canonical.{canonical}", lang))
                      for canonical, label in read.columns.items()]
            items += [(label, t("upload.fmt.ignored", lang)) for label in read.ignored_columns]
        return pd.DataFrame(items, columns=[t("upload.fmt.file_column", lang),
                                            t("upload.fmt.becomes", lang)])

    def rows_frame(self, lang: str = "de", limit: int = PREVIEW_ROWS) -> pd.DataFrame:
        """The first parsed rows as they would be loaded (empty when the file has errors)."""
        rows = self.inspection.rows if self.inspection else None
        if rows is None:
            return pd.DataFrame()
        frame = rows.slice(0, limit).to_pandas()
        frame.insert(2, "district", frame["ags"].map(self.district_names))
        frame["week"] = frame["week"].map(week_text)
        frame["facility_type"] = frame["facility_type"].fillna("")
        # the parts only where the file has them: a first-version file previews as before
        present = self.inspection.read.columns
        order = ["line", "ags", "district", "week", "facility", "facility_type",
                 *(m for m in MEASURES if m not in PART_OF and m != "announced"
                   or m in present)]
        return localised(frame[order], lang)

    def changes_frame(self, lang: str = "de") -> pd.DataFrame:
        """Replaced figures: district, week, facility and each figure's old and new value."""
        if self.changes.empty:
            return pd.DataFrame()
        frame = self.changes.copy()
        frame.insert(1, "district", frame["ags"].map(self.district_names))
        frame["week"] = frame["week"].map(week_text)
        frame = frame.drop(columns=["old_load_id"])
        return localised(frame, lang)

    def problems_frame(self, severity: str | None = None, lang: str = "de") -> pd.DataFrame:
        chosen = [p for p in self.problems if severity is None or p.severity == severity]
        return problems_frame(chosen, lang).drop(columns=["code"])

    def error_report(self, lang: str = "de") -> bytes:
        """The problems as CSV (semicolon, BOM, formulas defused), the same as beside a rejected
        inbox file."""
        return export.to_csv_bytes(problems_frame(self.problems, lang))


def preview_file(data: bytes, file_name: str, user: accounts.User | None = None,
                 today: date | None = None) -> Preview:
    """Read and validate ``data`` and compare it with the figures in force; writes nothing.

    The comparison (what the file replaces, whether it was loaded before, its plausibility
    findings, its new weeks) reads the published snapshot (``loading.store_reader``), never the
    write lock: a running cron load neither makes the page wait nor fails it. The snapshot may
    be a load behind a writer that is running now; that is safe, because the preview decides
    nothing: the load (``load_preview``) checks the findings again under the write lock and
    asks for confirmation where new ones appear, refuses a file already loaded by its hash
    under the same lock, and reports what it replaced from the committed load."""
    preview = Preview(file_name=file_name, size=len(data), sha256=loading.sha256_of(data))
    limit = max_upload_bytes()
    if len(data) > limit:
        preview.extra_problems.append(Problem("file_too_large", params={
            "size": size_text(len(data)), "limit": size_text(limit)}))
        return preview
    matcher = loading.matcher_for()
    preview.district_names = dict(matcher.names)
    try:
        preview.inspection = loading.inspect_bytes(data, file_name, matcher, today)
    except Exception:  # a file no reader expected: a message for the user, the trace for the log
        log.exception("could not inspect %s", file_name)
        preview.extra_problems.append(Problem("unreadable_file"))
        return preview
    rows = preview.inspection.rows
    if rows is None:
        return preview
    foreign = sorted(a for a in pc.unique(rows["ags"]).to_pylist()
                     if not accounts.can_load_district(user, a)) if user is not None else []
    if foreign:
        preview.extra_problems.append(Problem("foreign_district", params={
            "districts": ", ".join(f"{matcher.names.get(a, a)} ({a})" for a in foreign),
            "own": user.district}))
    with loading.store_reader() as con:
        preview.changes = loading.changes(con, rows)
        preview.duplicate_of = loading.previous_load(con, preview.sha256)
        if preview.duplicate_of is None:  # a file loaded before loads nothing new
            preview.findings = loading.findings_of(con, preview.inspection)
        con.register("incoming", rows)
        try:
            preview.new_weeks = [w for (w,) in con.execute(
                "SELECT DISTINCT week FROM incoming WHERE week NOT IN "
                "(SELECT DISTINCT week FROM current_rows) ORDER BY week").fetchall()]
        finally:
            con.unregister("incoming")
    preview.new_figures = rows.num_rows - len(preview.changes)
    return preview


# ---------------------------------------------------------------- load, history, rollback

def load_preview(preview: Preview, user: accounts.User | None, confirmed: bool = False,
                 comment: str | None = None, source: str = SOURCE) -> LoadResult:
    """Write a previewed file as one load (``source``: ``upload``, or ``form`` for the page
    "Meldung erfassen"; ``loaded_by`` = the user) and publish the snapshot. ``confirmed``: the
    user confirmed the plausibility findings (recorded as ``confirmed_by`` with ``comment``).
    Raises :class:`NotAllowed`,
    :class:`NeedsConfirmation` for unconfirmed findings, ``ValueError`` for a file with errors,
    ``reception.store.db.DatabaseBusy`` when another writer holds the database too long."""
    if not accounts.can_upload(user):
        raise NotAllowed("upload")
    if not preview.ok:
        raise ValueError("the file has errors; nothing loaded")
    if source not in (SOURCE, "form"):
        raise ValueError(f"source {source!r}: the pages load as 'upload' or 'form'")
    if not all(accounts.can_load_district(user, a)
               for a in pc.unique(preview.inspection.rows["ags"]).to_pylist()):
        raise NotAllowed("district")
    if preview.findings and not confirmed:
        raise NeedsConfirmation(preview.findings)
    note = (comment or "").strip() or None
    # one road with the ETL: retried while a shared store is away, confirmed once committed
    result = loading.write_inspection(preview.inspection, source, user.name,
                                      confirmed_by=user.name if confirmed else None, comment=note)
    if result.needs_confirmation:  # the store moved since the preview: new findings
        preview.findings = result.findings
        raise NeedsConfirmation(result.findings)
    # (write_inspection has run the after-commit hooks, the alerts of reception.notify, once)
    log.info("%s %s by %s: %s (load %s)", source, preview.file_name, user.name, result.status,
             result.load_id)
    return result


def history() -> pd.DataFrame:
    """The load history, newest first, from the published snapshot (no lock needed)."""
    columns = ["load_id", "file_name", "source", "loaded_by", "loaded_at", "rows", "status",
               "confirmed_by", "confirm_comment"]
    try:
        with db.reader() as con:
            frame = db.load_history(con, newest_first=True)[columns]
        # who confirmed plausibility findings, and why: empty where there were none
        frame[["confirmed_by", "confirm_comment"]] = frame[
            ["confirmed_by", "confirm_comment"]].fillna("")
    except Exception:  # no snapshot yet (database never initialised)
        log.warning("no load history: snapshot missing or unreadable", exc_info=True)
        return pd.DataFrame(columns=columns)
    return frame


def rollback_candidates(user: accounts.User | None, frame: pd.DataFrame) -> pd.DataFrame:
    """The active loads this user may roll back."""
    if frame.empty or user is None:
        return frame.iloc[0:0]
    allowed = frame.apply(lambda row: row["status"] == "loaded"
                          and accounts.can_rollback(user, row), axis=1)
    return frame[allowed.astype(bool)]


@dataclass
class RollbackPlan:
    load_id: int
    file_name: str
    loaded_by: str | None
    status: str
    in_force: int  # figures of this load now in force
    restored: pd.DataFrame  # the earlier figures that come back

    @property
    def removed(self) -> int:
        """Figures that disappear with no earlier figure to replace them."""
        return max(self.in_force - len(self.restored), 0)


def plan_rollback(load_id: int) -> RollbackPlan | None:
    """What rolling back ``load_id`` would do; None for an unknown id. Read from the snapshot
    without the write lock, like the upload preview: ``rollback_load`` decides under the lock."""
    with loading.store_reader() as con:
        found = con.execute("SELECT file_name, loaded_by, status FROM load_log WHERE load_id = ?",
                            [load_id]).fetchall()
        if not found:
            return None
        in_force = con.execute("SELECT count(*) FROM current_rows WHERE load_id = ?",
                               [load_id]).fetchall()[0][0]
        restored = loading.rollback_preview(con, load_id)
    return RollbackPlan(load_id, found[0][0], found[0][1], found[0][2], in_force, restored)


def rollback_load(load_id: int, user: accounts.User | None) -> dict:
    """Roll back one load if the user may (checked against the load log, not the page)."""
    if user is None:
        raise NotAllowed("rollback")
    with db.writer() as con:
        found = con.execute("SELECT loaded_by FROM load_log WHERE load_id = ?",
                            [load_id]).fetchall()
        if found and not accounts.can_rollback(user, {"loaded_by": found[0][0]}):
            raise NotAllowed("rollback")
        outcome = loading.rollback(con, load_id, user.name)
        if outcome["status"] == "rolled_back":
            db.publish_snapshot(con)
    log.info("rollback of load %s by %s: %s", load_id, user.name, outcome["status"])
    return outcome


def restored_frame(plan: RollbackPlan, district_names: dict[str, str],
                   lang: str = "de") -> pd.DataFrame:
    frame = plan.restored.copy()
    if frame.empty:
        return frame
    frame.insert(1, "district", frame["ags"].map(district_names))
    frame["week"] = frame["week"].map(week_text)
    frame = frame.rename(columns={"load_id": "old_load_id"})
    return localised(frame, lang)


def district_names() -> dict[str, str]:
    try:
        with db.reader() as con:
            return dict(con.execute("SELECT ags, name FROM districts").fetchall())
    except Exception:
        return {}


# ---------------------------------------------------------------- templates

# each part beside its whole; the parts and the announcement may stay empty (CONTRACT.md)
TEMPLATE_HEADERS = ["Kreisschlüssel", "Kreis", "Woche", "Zugänge", "Zugänge Asyl",
                    "Zugänge Ukraine", "Zugänge sonstige", "Abgänge", "Kapazität",
                    "nicht belegbare Plätze", "Belegung", "Auszugsberechtigte",
                    "angekündigte Zuweisungen", "Unterkunft", "Unterkunftsart"]
TEMPLATE_EXAMPLE = ["16051", "Erfurt", "KW 45/2024", 25, 15, 6, 4, 10, 800, 24, 640, 120, 30,
                    "", ""]


def template_frame() -> pd.DataFrame:
    """German headers and one example row (district level: Unterkunft left empty)."""
    return pd.DataFrame([TEMPLATE_EXAMPLE], columns=TEMPLATE_HEADERS)


def template_csv_bytes() -> bytes:
    return export.to_csv_bytes(template_frame())


def template_xlsx_bytes() -> bytes:
    return export.to_xlsx_bytes(template_frame(), sheet="Meldung")


def write_templates(folder: Path | None = None) -> list[Path]:
    """(Re)write ``vorlage_meldung.csv`` and ``.xlsx``: ``python -m reception.web.upload``."""
    folder = Path(folder or config.DATA_DIR)
    csv_path, xlsx_path = folder / TEMPLATE_CSV.name, folder / TEMPLATE_XLSX.name
    csv_path.write_bytes(template_csv_bytes())
    xlsx_path.write_bytes(template_xlsx_bytes())
    return [csv_path, xlsx_path]


def template_bytes(kind: str) -> bytes:
    """The shipped template file (generated on the fly if it is missing)."""
    path = TEMPLATE_CSV if kind == "csv" else TEMPLATE_XLSX
    try:
        return path.read_bytes()
    except OSError:
        return template_csv_bytes() if kind == "csv" else template_xlsx_bytes()


# ---------------------------------------------------------------- helpers

def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def week_text(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    return isoweek.name(pd.Timestamp(value).date())


def localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    names = {}
    for column in frame.columns:
        prefix = ""
        base = column
        for marker in ("old_", "new_"):
            if column.startswith(marker):
                prefix, base = t(f"upload.col.{marker[:-1]}", lang) + " ", column[len(marker):]
        names[column] = prefix + t(f"upload.col.{base}", lang)
    return frame.rename(columns=names)


if __name__ == "__main__":
    for written in write_templates():
        print(written)
