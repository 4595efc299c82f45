"""No German text in code a person reads: it belongs in ``reception/locales`` (``de`` and ``en``).

Every string constant of the app, the pages and the command line (not docstrings or comments, not
SQL) that reads as German fails here, unless it is a reviewed exception below: a document whose
language is German by design, data the code matches or writes, a proper name. Text a person
reads goes through ``t(key, lang)`` (``t_ui`` on pages); an exception that reaches a person keeps
a key and parameters and says ``sentence(lang)`` (``reception.store.local.DatabaseBusy``,
``reception.reference.districts.BadReference``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")),
           *sorted((ROOT / "reception").rglob("*.py")), *sorted((ROOT / "etl").rglob("*.py"))]

UMLAUT = re.compile(r"[äöüÄÖÜß]")
# words that are German and not English (so "die", "an", "in" are not here)
WORDS = re.compile(
    r"\b(und|nicht|ist|mit|für|bitte|eine[nmrs]?|kein(e[nmrs]?)?|oder|wird|werden|sind|noch|nur|"
    r"bei|vom|zum|zur|der|das|des|dem|auf|aus|ein|sich|wenn|wie|als|auch|nach|Woche|Wochen|"
    r"Kreis|Kreise|Datei|Zeile|Spalte|Meldung|Meldungen|Fehler|Seite|Beispiel|Daten|Szenario|Einwohner)\b")
SQL = re.compile(r"\b(SELECT|FROM|WHERE|INSERT|CREATE|UPDATE|JOIN)\b")

# Whole scopes (a top-level function, class or assignment of a file) whose texts are German by
# design; reviewed, with the reason.
ALLOWED_SCOPES = {
    "reception/config.py::OPTIONS": "the README's table of variables, generated (German README)",
    "reception/config.py::SETTINGS": "the README's table of settings, generated (German README)",
    "reception/config.py::readme_tables": "the README's tables, generated (German README)",
    "reception/read/opendata.py::DISTRICT_FIELDS": "the open data describes its German columns",
    "reception/read/opendata.py::WEEKLY_FIELDS": "the open data describes its German columns",
    "reception/read/opendata.py::descriptor": "the data package's title and sources",
    "reception/web/api.py::AGS_PARAM": "the OpenAPI document, German like the README",
    "reception/web/api.py::FROM_PARAM": "the OpenAPI document",
    "reception/web/api.py::TO_PARAM": "the OpenAPI document",
    "reception/web/api.py::WEEK_PARAM": "the OpenAPI document",
    "reception/web/api.py::COMMON_PARAMS": "the OpenAPI document",
    "reception/web/api.py::ENDPOINTS": "the OpenAPI document",
    "reception/web/api.py::_operation": "the OpenAPI document",
    "reception/web/upload.py::template_xlsx_bytes": "the report template (German, CONTRACT.md)",
    "reception/ingest/headers.py::CANONICAL_ALIASES": "German column headers the reader knows",
    "reception/ingest/demo.py::_GENERIC_FACILITIES": "demo data: names of accommodations",
    "reception/reference/districts.py::GERMANY_POPULATION_SOURCE": "source note kept with data",
    "reception/reference/districts.py::_reference": "notes kept with the reference data",
    "reception/reference/districts.py::_CITY_WORDS": "words of district names, for matching",
    "reception/reference/districts.py::UMLAUTS": "umlauts folded for matching names",
    "reception/reference/districts.py::short_names": "district names (Kreis/Landkreis X)",
    "reception/reference/districts.py::PROPORTIONAL_SOURCE": "the source stored with the key "
                                                             "(present.key_label translates it)",
    "reception/reference/districts.py::proportional_key": "the source stored with the key",
    "reception/reference/geo.py::ATTRIBUTION": "the licence's required attribution, verbatim",
    "reception/read/allocation.py::UNPLACED": "a value of the contract's allocation CSV",
    "reception/web/api.py::openapi": "the OpenAPI document",
    "reception/web/upload.py::TEMPLATE_HEADERS": "the report template's German headers "
                                                 "(CONTRACT.md: the German aliases)",
}
# Single texts allowed where they stand: (file, text) -> reason.
ALLOWED_TEXTS = {
    ("reception/read/views.py", "ThürFlüVertVO"): "a regulation's name, looked up in the key's label",
}
# keys, column names and codes ("ist", "kreis.ist") are not text
IDENTIFIER = re.compile(r"[a-z0-9_.]+")


def german(text: str) -> bool:
    return (bool(UMLAUT.search(text) or WORDS.search(text)) and not SQL.search(text)
            and not IDENTIFIER.fullmatch(text))


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _scope(statement: ast.stmt) -> str:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement.name
    targets = (statement.targets if isinstance(statement, ast.Assign) else
               [statement.target] if isinstance(statement, ast.AnnAssign) else [])
    names = [target.id for target in targets if isinstance(target, ast.Name)]
    return names[0] if names else "<module>"


def german_literals(path: Path) -> list[tuple[str, int, str]]:
    """(scope, line, text) of each German string constant in ``path`` not allowed by scope."""
    relative = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for statement in tree.body:
        scope = f"{relative}::{_scope(statement)}"
        if scope in ALLOWED_SCOPES:
            continue
        for node in ast.walk(statement):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in skip
                    and (relative, node.value) not in ALLOWED_TEXTS and german(node.value)):
                found.append((scope, node.lineno, node.value))
    return found


def test_no_german_text_in_code_outside_the_reviewed_exceptions() -> None:
    found = [f"{scope}:{line}: {text[:80]!r}" for path in SCANNED
             for scope, line, text in german_literals(path)]
    assert not found, ("German text in code: put it in reception/locales and call t(key, lang), "
                       "or review it into ALLOWED_SCOPES:\n" + "\n".join(found))


def test_every_reviewed_exception_still_exists() -> None:
    scopes = {f"{path.relative_to(ROOT).as_posix()}::{_scope(statement)}"
              for path in SCANNED for statement in ast.parse(path.read_text("utf-8")).body}
    assert sorted(set(ALLOWED_SCOPES) - scopes) == []
    texts = {(path.relative_to(ROOT).as_posix(), node.value) for path in SCANNED
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert sorted(set(ALLOWED_TEXTS) - texts) == []


def test_the_scan_finds_german_in_a_message_and_leaves_english_and_sql() -> None:
    assert german("Datei nicht gefunden") and german("Plätze")
    assert not german("file not found") and not german("SELECT ags FROM weekly WHERE week = ?")
    assert not german("lage.title") and not german("die") and not german("ist")
