"""The upload page's previews read without the write lock (issue 21): a file's preview (what
it replaces, whether it was loaded, its findings, its new weeks) and a rollback's plan come from
the published snapshot, so a running cron load neither makes the page wait nor fails it."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from reception import config
from reception.accounts import User
from reception.store import db
from reception.web import upload
from tests.etl_support import holding_write_lock

TODAY = date(2024, 12, 31)
OFFICER = User("mueller", "officer")
FIRST = ("Kreisschlüssel;Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
         "16051;Erfurt;KW 45/2024;25;10;800;640\n").encode()
LATER = ("Kreisschlüssel;Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
         "16051;Erfurt;KW 45/2024;30;10;800;650\n"
         "16051;Erfurt;KW 46/2024;20;5;800;2600\n").encode()


@pytest.fixture
def short_lock_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer gives up on a held lock after 0,5 s (so that a read that took it fails fast)."""
    shortened = dataclasses.replace(config.settings(), lock_timeout_seconds=0.5)
    monkeypatch.setattr(config, "settings", lambda: shortened)


@pytest.mark.slow
def test_previews_read_while_another_process_holds_the_write_lock(
        fresh_db: Path, short_lock_wait: None) -> None:
    first = upload.load_preview(upload.preview_file(FIRST, "a.csv", OFFICER, today=TODAY),
                                OFFICER)
    with holding_write_lock(fresh_db):
        with pytest.raises(db.DatabaseBusy), db.writer():
            pass  # the lock is held: a writer would have to wait
        preview = upload.preview_file(LATER, "b.csv", OFFICER, today=TODAY)
        again = upload.preview_file(FIRST, "a.csv", OFFICER, today=TODAY)
        plan = upload.plan_rollback(first.load_id)
    assert preview.ok and preview.replaced == 1 and preview.new_weeks == [date(2024, 11, 11)]
    assert preview.changes.old_arrivals.tolist() == [25]
    assert "jump" in {p.code for p in preview.findings}  # 650 -> 2600 places occupied
    assert again.duplicate_of is not None and again.duplicate_of[0] == first.load_id
    assert plan.in_force == 1 and plan.removed == 1
