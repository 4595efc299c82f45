"""The locale files: one file per key namespace, every key German and English, keys unique.

Where these fail after adding texts, ``python -m reception.locale_files`` puts them in place.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from reception import i18n, locale_files
from reception.i18n import _flatten

LOCALES = locale_files.LOCALES
FIX = "run `python -m reception.locale_files`"


def keys_by_file(directory: Path = LOCALES) -> dict[str, dict[str, dict[str, str]]]:
    return {
        path.name: _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.toml"))
    }


def test_each_key_lives_in_the_file_of_its_namespace() -> None:
    misplaced = [
        f"{key} in {name}"
        for name, texts in keys_by_file().items()
        for key in texts
        if f"{key.split('.')[0]}.toml" != name
    ]
    assert not misplaced, f"{FIX}: {misplaced}"


def test_every_key_has_german_and_english() -> None:
    incomplete = [
        key
        for texts in keys_by_file().values()
        for key, entry in texts.items()
        if not (isinstance(entry.get("de"), str) and entry["de"].strip())
        or not (isinstance(entry.get("en"), str) and entry["en"].strip())
    ]
    assert not incomplete


def test_keys_are_unique_across_files() -> None:
    counts = Counter(key for texts in keys_by_file().values() for key in texts)
    assert [key for key, count in counts.items() if count > 1] == []


def test_the_files_are_as_the_regrouping_writes_them() -> None:
    current = {path.name: path.read_text(encoding="utf-8") for path in LOCALES.glob("*.toml")}
    assert current == locale_files.regroup(), FIX


# ---------------------------------------------------------------- the regrouping itself
OLD_PAGE = '''# Texts of the pages of issue 99: describe the file, not a table.

# ------------------------------------------------ Lage
[lage.title]
de = "Lage"
en = "Situation"
# why the hint is long
[kreis.hint]
de = """Erste Zeile
[kein.header] nur Text in einer mehrzeiligen Zeichenkette
"""
en = """First line
[no.header] just text in a multi-line string
"""
'''
HOME = '''[kreis.title]
de = "Kreis"
en = "District"
'''


def write_files(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def test_regrouping_moves_each_table_with_its_comment_and_keeps_every_text(tmp_path: Path) -> None:
    write_files(tmp_path, {"page99.toml": OLD_PAGE, "kreis.toml": HOME})
    before = {k: v for texts in keys_by_file(tmp_path).values() for k, v in texts.items()}

    changed = locale_files.write(tmp_path)

    assert changed == ["kreis.toml", "lage.toml", "page99.toml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kreis.toml", "lage.toml"]
    after = keys_by_file(tmp_path)
    assert list(after["kreis.toml"]) == ["kreis.title", "kreis.hint"]
    assert {k: v for texts in after.values() for k, v in texts.items()} == before
    kreis = (tmp_path / "kreis.toml").read_text(encoding="utf-8")
    assert "# why the hint is long\n[kreis.hint]" in kreis
    assert "issue 99" not in kreis and "-----" not in (tmp_path / "lage.toml").read_text()
    assert locale_files.write(tmp_path) == []


def test_after_a_merge_the_fresh_edit_outside_the_namespace_file_wins(tmp_path: Path) -> None:
    edited = HOME.replace('"Kreis"', '"Landkreis"')
    write_files(tmp_path, {"app.toml": edited, "kreis.toml": HOME})

    locale_files.write(tmp_path)

    assert keys_by_file(tmp_path) == {"kreis.toml": {"kreis.title": {"de": "Landkreis", "en": "District"}}}


def test_two_different_copies_both_outside_their_file_are_left_to_a_person(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.toml": HOME, "b.toml": HOME.replace('"Kreis"', '"Landkreis"')})

    with pytest.raises(ValueError, match=r"\[kreis.title\] differs in a.toml and b.toml"):
        locale_files.regroup(tmp_path)


def test_the_catalogue_reads_the_regrouped_files() -> None:
    assert i18n.t("problem.negative", "en", value="-3") == '"-3" is negative'
