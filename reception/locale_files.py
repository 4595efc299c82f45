"""Keep ``reception/locales`` one file per key namespace: ``python -m reception.locale_files``.

A key's namespace is its first dotted segment; ``lage.title`` lives in ``lage.toml``,
``problem.negative`` in ``problem.toml``. A reader then finds a page's or a module's texts in one
file, whichever issue brought them. Add a text to any file (or a new one) and run this module:
it moves every table (its header, its lines and the comments directly above it) to the file of
its namespace, keeps the order the tables had, and removes files left empty. Keys and texts are
not touched; the catalogue ``reception.i18n`` reads is the same before and after.

After a merge in which both sides edited a file, a key may be found twice. Two identical copies
are one key. Two different copies are resolved in favour of the copy outside its namespace file,
which is the fresh edit of someone who still wrote into an old file; any other difference is an
error to settle by hand.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from reception.i18n import _flatten

LOCALES = Path(__file__).resolve().parent / "locales"
_HEADER = re.compile(r"^\[[^\[]")
# the section rulers of the old files ("# ----- charts"): the namespace file is the section now
_RULER = re.compile(r"^#\s*-{5,}")
_MULTILINE = re.compile(r'"""|\'\'\'')


@dataclass
class Table:
    """One ``[header]`` with its lines and the comments directly above it, as written."""

    source: str
    comments: list[str]
    lines: list[str]

    @property
    def texts(self) -> dict[str, dict[str, str]]:
        return _flatten(tomllib.loads("\n".join(self.lines)))

    @property
    def namespace(self) -> str:
        return next(iter(self.texts)).split(".")[0]

    def render(self) -> str:
        return "".join(line + "\n" for line in [*self.comments, *self.lines])


def file_header(namespace: str) -> str:
    return (
        f"# Texts `{namespace}.*`, German and English. One file per key namespace (the key's first\n"
        "# segment); `python -m reception.locale_files` moves new keys into their file.\n"
    )


def _drop_file_header(lines: list[str]) -> list[str]:
    """Without the comment paragraph at the top: it described the old file, not a table."""
    if not lines or not lines[0].startswith("#"):
        return lines
    for index, line in enumerate(lines):
        if not line.strip():
            return lines[index + 1 :]
        if not line.startswith("#"):
            return lines
    return []


def tables_of(path: Path) -> list[Table]:
    tables: list[Table] = []
    comments: list[str] = []
    in_string = False
    for line in _drop_file_header(path.read_text(encoding="utf-8").splitlines()):
        if in_string:
            tables[-1].lines.append(line)
        elif _HEADER.match(line):
            tables.append(Table(path.name, [c for c in comments if not _RULER.match(c)], [line]))
            comments = []
        elif line.startswith("#"):
            comments.append(line)
        elif line.strip():
            if not tables:
                raise ValueError(f"{path.name}: a text outside any [table]: {line!r}")
            tables[-1].lines.extend([*comments, line])
            comments = []
        if len(_MULTILINE.findall(line)) % 2:
            in_string = not in_string
    return tables


def regroup(directory: Path = LOCALES) -> dict[str, str]:
    """The file name -> content of ``directory`` grouped by namespace (not written)."""
    chosen: dict[str, Table] = {}
    order: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        for table in tables_of(path):
            key = table.lines[0]
            if key not in chosen:
                chosen[key] = table
                order.append(key)
            else:
                chosen[key] = _settle(chosen[key], table)
    files: dict[str, list[Table]] = {}
    for key in order:
        table = chosen[key]
        files.setdefault(f"{table.namespace}.toml", []).append(table)
    _check_unique(files)
    return {
        name: file_header(name.removesuffix(".toml")) + "\n" + _join(tables)
        for name, tables in sorted(files.items())
    }


def _settle(first: Table, second: Table) -> Table:
    if first.texts == second.texts:
        return first
    home = f"{first.namespace}.toml"
    outside = [table for table in (first, second) if table.source != home]
    if len(outside) == 1:
        return outside[0]
    raise ValueError(f"{first.lines[0]} differs in {first.source} and {second.source}")


def _check_unique(files: dict[str, list[Table]]) -> None:
    seen: dict[str, str] = {}
    for name, tables in files.items():
        for table in tables:
            for key in table.texts:
                if key in seen:
                    raise ValueError(f"{key} is in {seen[key]} and in {name}")
                seen[key] = name


def _join(tables: list[Table]) -> str:
    # a commented table stands apart; the others follow each other as the old files had them
    return "".join(("\n" if table.comments and index else "") + table.render()
                   for index, table in enumerate(tables))


def write(directory: Path = LOCALES) -> list[str]:
    """Regroup ``directory`` in place; the names of the files written or removed."""
    before = {path.name: path.read_text(encoding="utf-8") for path in directory.glob("*.toml")}
    after = regroup(directory)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    for name in changed:
        if name in after:
            (directory / name).write_text(after[name], encoding="utf-8")
        else:
            (directory / name).unlink()
    return changed


if __name__ == "__main__":
    for name in write(Path(sys.argv[1]) if len(sys.argv) > 1 else LOCALES):
        print(name)
