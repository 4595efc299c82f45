"""Alerts after a load (issue 24): a district whose traffic light (usable places) crosses into
"angespannt" or "Grenze erreicht" gets one message per crossing, to ``[alerts] recipients`` and
its officers, through a real SMTP server; a load never fails because the server is down."""

from __future__ import annotations

import pytest

from tests.conftest import run_etl
from tests.etl_support import query
from tests.remind_support import PUBLIC_URL, WATCH, load

ERFURT = ("a@erfurt.example", "b@erfurt.example")


@pytest.fixture
def alerting(fresh_db, smtp, mail_settings):
    from reception import notify

    notify.install()
    load([("16051", 100, 80), ("16052", 200, 100)], "kw44.csv", week="2024-W44")
    return smtp


def alerts(smtp) -> list:
    return [m for m in smtp.inbox.messages if m["Subject"].startswith("Warnung")]


def test_a_crossing_into_strained_alerts_watchers_and_officers_once(alerting, fresh_db):
    assert alerts(alerting) == []  # 80 %: below the warning level
    load([("16051", 100, 92), ("16052", 200, 101)], "kw45.csv", week="2024-W45")
    sent = alerts(alerting)
    assert sorted(m["To"] for m in sent) == sorted([WATCH, *ERFURT])  # Gera stays below
    message = sent[0]
    assert message["Subject"] == "Warnung: Erfurt – angespannt (92,0 % der belegbaren Plätze belegt)"
    plain = message.get_body(("plain",)).get_content()
    assert "mit der Meldung der KW 45/2024 die Schwelle „angespannt“ überschritten" in plain
    assert "Belegt: 92 · belegbare Plätze: 100 · Auslastung: 92,0 % · freie belegbare Plätze: 8" \
        in plain and "Reichweite: " in plain
    assert f"{PUBLIC_URL}/kreis?kreis=16051" in plain and "Gera" not in plain
    recorded = query(fresh_db, "SELECT ags, kind, recipient FROM reminders ORDER BY recipient")
    assert [r[:2] for r in recorded] == [("16051", "alert")] * 3

    load([("16051", 100, 95)], "kw46.csv", week="2024-W46")  # still strained: no new crossing
    assert len(alerts(alerting)) == 3
    load([("16051", 100, 101)], "kw47.csv", week="2024-W47")  # into the limit
    limit = [m for m in alerts(alerting) if "Grenze erreicht" in m["Subject"]]
    assert sorted(m["To"] for m in limit) == sorted([WATCH, *ERFURT])
    load([("16051", 100, 85)], "kw48.csv", week="2024-W48")  # below again ...
    load([("16051", 100, 91)], "kw49.csv", week="2024-W49")  # ... and across again
    assert len(alerts(alerting)) == 9
    run_etl("remind", check=True)  # nothing of it is sent a second time
    assert len(alerts(alerting)) == 9


def test_a_load_with_the_server_down_stands_and_the_next_remind_alerts(alerting, fresh_db):
    alerting.stop()
    load([("16051", 100, 92)], "kw45.csv", week="2024-W45")  # no exception: the load stands
    assert query(fresh_db, "SELECT count(*) FROM loads WHERE status = 'loaded'") == [(2,)]
    assert query(fresh_db, "SELECT count(*) FROM reminder_log") == [(0,)]
    alerting.start()
    result = run_etl("remind", check=True)
    assert sorted(m["To"] for m in alerts(alerting)) == sorted([WATCH, *ERFURT])
    assert "Warnung an stab@land.example: Warnung: Erfurt – angespannt" in result.stdout


def test_the_upload_page_road_alerts_too(alerting):
    from reception import accounts
    from reception.web import upload
    from tests.remind_support import week_file

    officer = accounts.get_user("erfurt1")
    preview = upload.preview_file(week_file([("16051", 100, 100)], "2024-W45"), "kw45.xlsx",
                                  officer)
    assert upload.load_preview(preview, officer).status == "loaded"
    assert [m["Subject"] for m in alerts(alerting)][:1] == [
        "Warnung: Erfurt – Grenze erreicht (100,0 % der belegbaren Plätze belegt)"]


def test_the_demo_and_old_history_alert_nobody(fresh_db, smtp, mail_settings):
    run_etl("init", "--demo", check=True)
    run_etl("remind", check=False)
    assert alerts(smtp) == []
