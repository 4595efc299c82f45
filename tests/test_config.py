"""Configuration is declared once (``reception.config.OPTIONS`` / ``SETTINGS``) and the README's
tables are generated from that declaration."""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from reception import config

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("reception", "etl", "pages", "harness", "bench") for p in (ROOT / d).rglob("*.py")]
SOURCES.append(ROOT / "dashboard.py")


def test_readme_shows_the_generated_configuration_tables():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert config.readme_tables() in readme, (
        "README's configuration tables are stale: paste the output of "
        "`python -c 'from reception import config; print(config.readme_tables())'`")


def test_every_variable_named_in_the_code_is_declared():
    named = set()
    for path in SOURCES:
        named |= set(re.findall(r"RECEPTION_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert named <= {o.name for o in config.OPTIONS}, named - {o.name for o in config.OPTIONS}


def _reads_environment(path: Path) -> list[int]:
    """Lines where ``path`` reads ``os.environ`` / ``os.getenv`` with a RECEPTION_ literal."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.startswith("RECEPTION_"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", [p for p in SOURCES if "reception" in p.parts],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_config_names_an_environment_variable(path):
    if path == ROOT / "reception" / "config.py":
        return
    assert not _reads_environment(path), f"{path}: read it through reception.config"


def test_every_setting_in_the_file_is_declared_and_documented():
    raw = tomllib.loads((config.DATA_DIR / "settings.toml").read_text(encoding="utf-8"))
    in_file = {f"{section}.{key}" for section, table in raw.items() for key in table}
    assert in_file == {s.key for s in config.SETTINGS}
    assert {s.field for s in config.SETTINGS} == {f.name for f in fields(config.Settings)}
    assert all(s.unit and s.help for s in config.SETTINGS)


def test_env_falls_back_to_the_declared_default(monkeypatch):
    monkeypatch.delenv("RECEPTION_INBOX", raising=False)
    assert config.inbox_path() == config.PROJECT_ROOT / "data" / "inbox"
    monkeypatch.setenv("RECEPTION_INBOX", "/srv/inbox")
    assert config.inbox_path() == Path("/srv/inbox")
    with pytest.raises(KeyError):
        config.env("RECEPTION_UNDECLARED")


def test_snapshot_lies_beside_the_given_database(tmp_path):
    assert config.snapshot_path(tmp_path / "x.duckdb") == tmp_path / "x.duckdb.snapshot"


def test_settings_read_a_changed_file(tmp_path, monkeypatch):
    text = (config.DATA_DIR / "settings.toml").read_text(encoding="utf-8")
    changed = tmp_path / "settings.toml"
    changed.write_text(text.replace("warn_rate = 0.90", "warn_rate = 0.8"), encoding="utf-8")
    monkeypatch.setenv("RECEPTION_SETTINGS", str(changed))
    config.settings.cache_clear()
    try:
        assert config.settings().warn_rate == 0.8
        assert isinstance(config.settings().state_minimum_places, int)
    finally:
        config.settings.cache_clear()


def test_upload_limit_is_the_one_streamlit_enforces():
    raw = tomllib.loads(config.STREAMLIT_CONFIG.read_text(encoding="utf-8"))
    assert config.max_upload_mb() == raw["server"]["maxUploadSize"]
