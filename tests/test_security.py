"""Security review as tests: no SQL built from strings outside a short reviewed list, no raw HTML
from report text, XSRF protection on, an upload limit, nothing secret in the repository, pinned
dependencies, and query-string values validated (``?kreis=' OR 1=1``).

``pip-audit`` is not part of the suite: it needs the vulnerability database online, and the CI
machine has no network access. Run it by hand where there is: ``pip-audit -r requirements.txt``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

APP_CODE = ("reception", "etl", "pages")
SQL_WORD = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|ATTACH|COPY|EXPORT|PRAGMA|"
                      r"WHERE|FROM)\b")

# Reviewed places where SQL text is assembled in Python. Each interpolates only names and
# fragments fixed in the module (canonical column names, table names from a module dict, one of
# three delimiters, integers, a temporary path it created and quotes) and never a cell value,
# file name, user name or query-string value; those always go in as ``?`` parameters.
# Key: (file, function); value: why it is safe. A new entry needs a review like these.
REVIEWED_SQL = {
    ("reception/ingest/rules.py", "<module>"):
        "the stale_copy history rule: one comparison per name of MEASURES (canonical names)",
    ("reception/ingest/plausibility.py", "_history_relation"):
        "relation names of the package (callers pass constants) and the canonical MEASURES",
    ("reception/ingest/plausibility.py", "_finding_selects"):
        "the history rules of rules.RULES, canonical field names and thresholds cast to float",
    ("reception/ingest/plausibility.py", "find"):
        "the SQL of _history_relation and _finding_selects; the limit is a ? parameter",
    ("reception/store/local.py", "_current_rows_query"):
        "module constants _COLUMNS, _ACTIVE_FIGURES, _CONTESTED (column names and fixed SQL)",
    ("reception/ingest/load.py", "write_rows"):
        "column names of report_row from validate.ROW_COLUMNS (constants) and NULL stand-ins",
    ("reception/ingest/validate.py", "<module>"):
        "_CLEAN_COLUMNS from MEASURES and rules.PARTS_SUM (canonical names, fixed SQL)",
    ("reception/ingest/validate.py", "rows_to_load"):
        "ROW_COLUMNS: the column names of report_row (constants)",
    # the PostgreSQL store (issue 17): names of tables, columns, views, macros and sequences read
    # from the mirror's or the store's own catalog, quoted as identifiers (DuckDB: _quoted,
    # PostgreSQL: psycopg.sql.Identifier); types from the fixed map PG_TYPES; integers (load
    # ids, a sequence start); paths of temporary files the module made; the constant NULL
    ("reception/store/postgres.py", "_fingerprints"): "catalog table names, quoted",
    ("reception/store/postgres.py", "_only_appended"): "a catalog table name, quoted",
    ("reception/store/postgres.py", "_ensure_tables"):
        "catalog names as psycopg Identifiers, types from PG_TYPES",
    ("reception/store/postgres.py", "_copy_to_store"):
        "catalog names quoted, an int load id",
    ("reception/store/postgres.py", "_copy_from_store"):
        "catalog names and types, a WHERE with an int Literal, a temporary path, NULL",
    ("reception/store/postgres.py", "_rebuild"): "catalog names of the mirror's objects, quoted",
    ("reception/store/postgres.py", "<module>"):
        "_STATE: the constant _MIGRATIONS_APPLIED (fixed SQL, the same in both stores)",
    ("reception/store/postgres.py", "_local_schema"): "the constant _MIGRATIONS_APPLIED",
    ("reception/store/postgres.py", "_follow_sequences"):
        "sequence, table and column names from the module constant SEQUENCES, an int",
    ("reception/store/local.py", "fill_snapshot"):
        "table names and queries from the module constants SNAPSHOT_TABLES, SNAPSHOT_VIEWS, "
        "_CONTESTED, _CURRENT_VIEW, _FACILITY_VIEW",
    ("reception/store/local.py", "_mark_contested"):
        "a fixed HAVING clause or none",
    ("reception/store/local.py", "_drop_views_and_macros"):
        "names of views and macros read from the snapshot copy's own catalog, quoted as "
        "identifiers; the catalog name is the constant 'snap'",
    ("reception/store/local.py", "<module>"):
        "_PLAIN, _CURRENT_VIEW, _FACILITY_VIEW: module constants _COLUMNS, _FACILITY_COLUMNS "
        "(column names)",
    # the UTC clock of the load history (issue 25): the module constant db.UTC_NOW / local.UTC_NOW
    # (fixed SQL); everything else is a ? parameter
    ("reception/ingest/load.py", "_record_rejection"): "the constant db.UTC_NOW",
    ("reception/ingest/load.py", "rollback"): "the constant db.UTC_NOW",
    ("reception/store/local.py", "migrate"): "the constant UTC_NOW",
    # views take no parameters: the load id is an int
    ("reception/ingest/load.py", "rollback_preview"): "an int load id in a temporary view",
    # the snapshot as of T (issue 25): catalog names quoted, the constant _STATUS_THEN and the
    # fixed column expressions of _AS_THEN, table names from _REFERENCE_TABLES; T is a $1 parameter
    ("reception/store/asof.py", "_history_then"): "constant _STATUS_THEN and _REFERENCE_TABLES",
    ("reception/store/asof.py", "_copy_then"): "catalog names quoted, constants of _AS_THEN",
    # the mirror's check against the store's history (issue 21): catalog table names, quoted
    ("reception/store/postgres.py", "_settle"): "catalog table names, quoted",
    ("reception/store/schema.py", "_definitions"):
        "writes the text of schema.sql from DuckDB's own catalog (macro names and bodies); "
        "nothing of it is executed",
    ("reception/ingest/reports.py", "_read_cells"):
        "one of DELIMITERS, one of two encodings, ints, canonical names; the path is a ? parameter",
    ("reception/ingest/reports.py", "_correct_numbers"):
        "canonical measure names (MEASURES) and the fixed number rules of reception.ingest.numbers; "
        "cells are joined from a table, never interpolated",
    ("reception/ingest/reports.py", "_define_raw_view"):
        "integers (first line number) and a fixed sub-query over blank_rows",
    ("reception/ingest/validate.py", "_normalise_cells"):
        "canonical column names (keys of CANONICAL_ALIASES), fixed SQL fragments",
    ("reception/ingest/validate.py", "_parse"):
        "canonical names, MEASURES; file values are joined, not interpolated",
    ("reception/ingest/validate.py", "_build_lookups"):
        "the week-parsing SQL of reception.isoweek (its constant PATTERNS) over a fixed column name",
    ("reception/ingest/validate.py", "_build_clean"):
        "the module constant _CLEAN_COLUMNS and a fixed WHERE clause",
    ("reception/ingest/validate.py", "_map_districts"):
        "a fixed relation name ('raw' or 'cells', from _distinct_source)",
    ("reception/ingest/validate.py", "_parsed_cells"):
        "canonical column names, the fixed number rules of reception.ingest.numbers and joins on "
        "number_fix_<measure> tables named from MEASURES",
    ("reception/ingest/validate.py", "_counts"):
        "the constant check conditions of _collect_row_problems and a fixed relation name",
    ("reception/ingest/validate.py", "_add_key_problems"):
        "the constant key expression _CLEAN_KEY and the conditions of reception.ingest.rules "
        "(module constants; this week's Monday a literal made from a date object)",
    ("reception/ingest/validate.py", "_list_warnings"):
        "the module template _PROBLEM_ROWS filled with a rule's constant code, field, value and "
        "condition, and a relation name fixed in validate; the limit is a ? parameter",
    ("reception/ingest/validate.py", "_screen"):
        "figures and conditions of reception.ingest.rules (constants) over a relation of "
        "_family_relation; canonical column names",
    ("reception/ingest/validate.py", "_family_relation"):
        "canonical column names, the fixed expressions of _cell_columns and _lookup_joins, "
        "number_cells_<measure> named from MEASURES; the file's texts are joined, never "
        "interpolated",
    ("reception/ingest/validate.py", "_finish"):
        "a constant query of row_problems placed in a constant WITH clause",
    ("reception/ingest/validate.py", "_collect_row_problems"):
        "UNION of the module template _PROBLEM_ROWS filled with the constant checks of "
        "reception.ingest.rules",
}


def app_files() -> list[Path]:
    files = [path for folder in APP_CODE for path in sorted((ROOT / folder).rglob("*.py"))]
    return files + [ROOT / "dashboard.py"]


def _is_sql_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) \
        and SQL_WORD.search(node.value) is not None


def string_built_sql(path: Path) -> list[tuple[str, str, int, str]]:
    """(file, function, line, how) of every SQL text built with f-string, %, + or .format."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def function_of(node: ast.AST) -> str:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node.name
        return "<module>"

    found = []
    for node in ast.walk(tree):
        how = None
        if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue)
                                                   for v in node.values) \
                and any(_is_sql_text(v) for v in node.values):
            how = "f-string"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_sql_text(node.left):
            how = "%"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) \
                and (_is_sql_text(node.left) or _is_sql_text(node.right)):
            how = "+"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "format" and _is_sql_text(node.func.value):
            how = ".format"
        if how:
            found.append((str(path.relative_to(ROOT)), function_of(node), node.lineno, how))
    return found


def test_the_scanner_finds_string_built_sql(tmp_path: Path) -> None:
    sample = ROOT / "tests" / "_scanner_sample.py"
    sample.write_text(
        'def bad(con, name, n):\n'
        '    con.execute(f"SELECT * FROM t WHERE name = \'{name}\'")\n'
        '    con.execute("DELETE FROM t WHERE id = %s" % n)\n'
        '    con.execute("SELECT * FROM t WHERE id = " + n)\n'
        '    con.execute("UPDATE t SET a = {}".format(n))\n'
        '    con.execute("SELECT * FROM t WHERE id = ?", [n])\n'
        '    print(f"Zeile {n}: nicht gefunden")\n', encoding="utf-8")
    try:
        hows = [how for *_, how in string_built_sql(sample)]
    finally:
        sample.unlink()
    assert hows == ["f-string", "%", "+", ".format"]


def test_sql_is_parameterised_outside_the_reviewed_places() -> None:
    found = [hit for path in app_files() for hit in string_built_sql(path)]
    unreviewed = [hit for hit in found if hit[:2] not in REVIEWED_SQL]
    assert not unreviewed, ("SQL built from strings; use ? parameters, or review the place and "
                            f"add it to REVIEWED_SQL with the reason: {unreviewed}")
    stale = set(REVIEWED_SQL) - {hit[:2] for hit in found}
    assert not stale, f"REVIEWED_SQL entries no longer needed, remove them: {stale}"


def test_user_text_never_reaches_a_reviewed_statement() -> None:
    """The reviewed functions receive no file, user or URL text: their SQL names only columns."""
    from reception.ingest.reports import ALIAS_TO_CANONICAL, DELIMITERS

    assert all(re.fullmatch(r"[a-z_]+", canonical) for canonical in ALIAS_TO_CANONICAL.values())
    assert set(DELIMITERS) == {";", "\t", ","}
    from reception.store import db

    assert all(re.fullmatch(r"[a-z_]+", table) for table in db.SNAPSHOT_TABLES)


# Reviewed places that render HTML, by (file, function), each built from constants only:
REVIEWED_HTML = {
    # the focus-ring CSS (a constant) and <html lang> from LANGUAGES (de/en), never user text
    ("reception/web/ui.py", "document_basics"),
    # the redirect to auth/session or auth/signout: a server-made nonce and a page name, JSON-quoted
    ("reception/web/signin.py", "_go"),
    # a constant style sheet hiding Streamlit's input hints in forms (Meldung erfassen)
    ("reception/web/ui.py", "hide_form_input_hints"),
}


def test_no_raw_html_in_the_app() -> None:
    """Report text (file names, facility names, messages) must not be rendered as HTML."""
    offenders = []
    for path in app_files():
        text = path.read_text(encoding="utf-8")
        function = ""
        for number, line in enumerate(text.splitlines(), 1):
            found = re.match(r"def (\w+)\(", line)
            function = found.group(1) if found else function
            if re.search(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.v1\.html|"
                         r"components\.html\(", line):
                if (str(path.relative_to(ROOT)), function) not in REVIEWED_HTML:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_streamlit_server_settings() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config.get("server", {})
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    assert isinstance(server.get("maxUploadSize"), int) and 0 < server["maxUploadSize"] <= 200


def test_no_database_secret_or_account_file_in_git() -> None:
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for pattern in ("*.duckdb", "*.duckdb.wal", "*.duckdb.*", "accounts.json",
                    ".streamlit/secrets.toml"):
        assert pattern in ignore, pattern
    probe = ["data/reception.duckdb", "data/x.duckdb.snapshot", "data/x.duckdb.wal",
             "accounts.json", "data/accounts.json", ".streamlit/secrets.toml"]
    checked = subprocess.run(["git", "check-ignore", "--no-index", *probe], cwd=ROOT,
                             capture_output=True, text=True)
    if checked.returncode == 128:
        pytest.skip("not a git checkout")
    assert sorted(checked.stdout.split()) == sorted(probe)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    forbidden = [name for name in tracked
                 if re.search(r"\.duckdb($|\.)|accounts[^/]*\.json$|secrets\.toml$|\.pem$|\.key$"
                              r"|(^|/)\.env$", name)]
    assert not forbidden, forbidden


def test_dependencies_are_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-r "):
                continue
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.\-+]*", line), \
                f"{name}: not pinned with ==: {line}"


# --- query-string values ---------------------------------------------------------------------

HOSTILE_KREIS = ["' OR 1=1", "16051'; DROP TABLE load_log;--", "<script>alert(1)</script>",
                 "../../etc/passwd", "1" * 5000]


@pytest.mark.slow
@pytest.mark.parametrize("value", HOSTILE_KREIS)
def test_kreis_page_rejects_a_hostile_query_string(demo_db: Path, value: str) -> None:
    page = ROOT / "pages" / "kreis.py"
    if not page.exists():
        pytest.skip("pages/kreis.py not there yet")
    from streamlit.testing.v1 import AppTest

    from reception.i18n import t

    app = AppTest.from_file(str(page), default_timeout=60)
    app.query_params["kreis"] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    warnings = [w.value for w in app.warning]
    assert t("kreis.unknown", "de") in warnings, warnings
    assert app.query_params.get("kreis") != [value]  # replaced by a known district key
    assert value not in " ".join(str(m.value) for m in app.markdown)
