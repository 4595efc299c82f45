"""The import rules of the house (README, "Architektur"), checked on the source itself.

Each package of ``reception`` may import only what the table below allows; only ``reception.web``,
``pages/`` and ``dashboard.py`` import Streamlit; the write path (``ingest``) and the read path
(``read``) never import each other.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the reception packages it may import (shared top-level modules are always allowed)
ALLOWED = {
    "store": set(),
    "reference": {"store"},
    "ingest": {"store", "reference"},
    "read": {"store", "reference"},
    "web": {"store", "reference", "ingest", "read", "notify"},
    # e-mail (issue 24): reads timeliness and lights, claims in the store; installs itself as
    # the write path's after-commit hook (ingest never imports it)
    "notify": {"store", "reference", "read", "ingest"},
}
PACKAGES = set(ALLOWED)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def package_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT / "reception").parts
    return parts[0] if len(parts) > 1 else None


def reception_files() -> list[Path]:
    return sorted((ROOT / "reception").rglob("*.py"))


@pytest.mark.parametrize("path", reception_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_what_its_package_may(path: Path) -> None:
    own = package_of(path)
    allowed = PACKAGES if own is None else ALLOWED[own] | {own}
    if own is None:
        allowed = set()  # shared top-level modules depend on no package
    used = {name.split(".")[1] for name in imported_modules(path)
            if name.startswith("reception.") and name.split(".")[1] in PACKAGES}
    assert used <= allowed, f"{path.relative_to(ROOT)} imports {sorted(used - allowed)}"


def test_only_the_web_layer_imports_streamlit() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in reception_files() + sorted((ROOT / "etl").rglob("*.py"))
                 if package_of_or_etl(p) != "web" and any(
                     name == "streamlit" or name.startswith("streamlit.") for name in imported_modules(p))]
    assert not offenders, f"Streamlit imported outside reception.web: {offenders}"


def package_of_or_etl(path: Path) -> str | None:
    return "etl" if path.is_relative_to(ROOT / "etl") else package_of(path)


def test_write_and_read_paths_load_without_streamlit_at_run_time() -> None:
    code = ("import sys, reception.read.charts, reception.read.present, reception.ingest.load, "
            "reception.ingest.inbox, etl.cli; print('streamlit' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.strip() == "False"


def test_tests_do_not_import_the_benchmarks() -> None:
    offenders = [p.name for p in sorted((ROOT / "tests").glob("*.py"))
                 if any(name == "bench" or name.startswith("bench.") for name in imported_modules(p))]
    assert not offenders, f"tests import from bench/: {offenders}"


# Outside ``reception``: folder -> (the reception packages it may import, the other project
# folders it may import). Shared modules of ``reception`` (config, i18n, ...) are always allowed.
OUTER = {
    "etl": (PACKAGES - {"web"}, {"etl"}),
    "pages": ({"store", "read", "web"}, set()),
    "harness": (set(), {"harness"}),  # its modules share served.free_port
    "bench": (set(), {"bench", "harness"}),  # runs the ETL as its own process, never imports it
    "tests": (PACKAGES, {"etl", "harness", "tests"}),
}
PROJECT_FOLDERS = {"etl", "pages", "harness", "bench", "tests"}


def outer_files() -> list[tuple[str, Path]]:
    found = [(folder, path) for folder in OUTER for path in sorted((ROOT / folder).rglob("*.py"))]
    return found + [("pages", ROOT / "dashboard.py")]


@pytest.mark.parametrize(("folder", "path"), outer_files(),
                         ids=[str(p.relative_to(ROOT)) for _, p in outer_files()])
def test_outer_folder_imports_only_what_it_may(folder: str, path: Path) -> None:
    packages, folders = OUTER[folder]
    names = imported_modules(path)
    used = {n.split(".")[1] for n in names if n.startswith("reception.") and n.split(".")[1] in PACKAGES}
    assert used <= packages, f"{path.relative_to(ROOT)} imports reception.{sorted(used - packages)}"
    other = {n.split(".")[0] for n in names} & PROJECT_FOLDERS
    assert other <= folders, f"{path.relative_to(ROOT)} imports {sorted(other - folders)}"


def test_readme_architecture_names_every_package() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architektur", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    named = " ".join(row.split("|")[1] for row in rows)
    for package in PACKAGES:
        assert f"`reception/{package}/`" in named, package
    for folder in OUTER:
        assert f"`{folder}/`" in named, folder


# Pages hold UI only (issue 22): each page renders one view of the snapshot
# (reception.read.views, cached whole in reception.web.views); composing figures, tables and
# texts call by call, or reckoning with frames, belongs there, not in a page.
VIEW_PAGES = ["lage", "kreis", "planung", "vergleich", "karte", "meldungen", "verteilung", "methodik"]
PAGE_LINES = 120  # a title, filters and rendering fit; Kreis, the longest, has 112
COMPOSERS = {"metrics", "charts", "present", "queries", "timeliness", "forecast", "estimate"}
RECKONING = {"sum", "mean", "median", "max", "min", "iloc", "loc", "groupby", "merge", "isin",
             "dropna", "fillna", "sort_values", "pivot_table", "cumsum", "diff", "agg"}
PER_RUN = {"derived", "figure", "from_weekly"}  # reception.web.cache's per-call composition


def page_files() -> list[Path]:
    return sorted((ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", VIEW_PAGES)
def test_a_view_page_is_short(page: str) -> None:
    lines = len((ROOT / "pages" / f"{page}.py").read_text(encoding="utf-8").splitlines())
    assert lines <= PAGE_LINES, f"pages/{page}.py has {lines} lines: compose in reception.read.views"


@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.name)
def test_pages_reckon_with_no_frame(path: Path) -> None:
    names = imported_modules(path)
    assert not {"pandas", "numpy"} & {n.split(".")[0] for n in names}, f"{path.name} imports pandas/numpy"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in RECKONING, \
                f"{path.name}:{node.lineno} reckons with .{node.func.attr}(): that is a view's work"
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            assert node.value.attr not in {"iloc", "loc"}, f"{path.name}:{node.lineno} selects rows"


@pytest.mark.parametrize("page", VIEW_PAGES)
def test_view_pages_compose_nothing(page: str) -> None:
    path = ROOT / "pages" / f"{page}.py"
    names = imported_modules(path)
    per_run = {n.rsplit(".", 1)[1] for n in names if n.startswith("reception.web.cache.")} & PER_RUN
    assert not per_run, f"{path.name} composes per run with {sorted(per_run)}: use a view"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            assert not (isinstance(owner, ast.Name) and owner.id in COMPOSERS), \
                f"{path.name}:{node.lineno} calls {owner.id}.{node.func.attr}: compose in a view"


# ---------------------------------------------------------------- texts (README, "Texte")
def test_locale_texts_are_grouped_by_namespace_and_german_stays_out_of_code() -> None:
    """Checked here too because every landing runs this file: a text added to the wrong locale
    file is moved by ``python -m reception.locale_files``; German in code goes to the locales
    (details and the reviewed exceptions: tests/test_locales.py, tests/test_i18n_literals.py)."""
    from reception import locale_files
    from tests.test_i18n_literals import SCANNED, german_literals

    current = {p.name: p.read_text(encoding="utf-8") for p in locale_files.LOCALES.glob("*.toml")}
    assert current == locale_files.regroup(), "run `python -m reception.locale_files`"
    found = [f"{scope}:{line}" for path in SCANNED for scope, line, _ in german_literals(path)]
    assert not found, f"German text in code (see tests/test_i18n_literals.py): {found}"
