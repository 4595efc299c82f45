"""Deadlines, reminders and escalations against a real SMTP server (issue 24).

The server is aiosmtpd on a loopback port; what it accepted is parsed back with ``email``. The
week is KW 45/2024, due Tuesday 12.11.2024 12:00 Berlin (11:00 UTC); loads are dated to the
second in the store of record, and ``--now`` moves the clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from tests.conftest import ROOT, run_etl
from tests.etl_support import query
from tests.remind_support import DUE_UTC, LAND, PUBLIC_URL, backdate, load

SECOND = timedelta(seconds=1)
ERFURT, GERA, JENA, SUHL = "16051", "16052", "16053", "16054"


def status(db_path, now: datetime) -> dict[str, tuple]:
    rows = query(db_path, "SELECT ags, status, first_loaded_at, loads, due_at FROM "
                          "reporting_status_at(CAST(? AS TIMESTAMP)) WHERE week = DATE '2024-11-04'",
                 [now])
    return {ags: tuple(rest) for ags, *rest in rows}


def remind(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    return run_etl("remind", *args, check=check)


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_statuses_around_the_deadline_to_the_second(store_db):
    load([(ERFURT, 100, 50)], "erfurt.csv", DUE_UTC - SECOND)
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC)
    load([(JENA, 100, 50)], "jena.csv", DUE_UTC + SECOND)
    # Suhl: on time, then rolled back; its report that counts came a day late
    early = load([(SUHL, 100, 50)], "suhl.csv", DUE_UTC - timedelta(hours=2))
    run_etl("rollback", str(early))
    load([(SUHL, 100, 51)], "suhl2.csv", DUE_UTC + timedelta(days=1))
    # a correction of Erfurt's report two days later does not make it late
    load([(ERFURT, 100, 52)], "erfurt-korrektur.csv", DUE_UTC + timedelta(days=2))

    before = status(store_db, DUE_UTC)
    assert before[ERFURT][0] == "on_time" and before[GERA][0] == "on_time"
    assert before[JENA][0] == "open" and before["16055"][0] == "open"  # due, not yet passed
    assert before[JENA][3] == DUE_UTC  # due_at in UTC: 12:00 Berlin in winter is 11:00 UTC

    after = status(store_db, DUE_UTC + SECOND)
    assert after[JENA][0] == "late" and after["16055"][0] == "missing"
    assert after[SUHL][0] == "missing"  # its on-time load was rolled back, the next is later

    later = status(store_db, DUE_UTC + timedelta(days=3))
    assert later[ERFURT] == ("on_time", DUE_UTC - SECOND, 2, DUE_UTC)
    assert later[SUHL][:3] == ("late", DUE_UTC + timedelta(days=1), 1)
    assert later["16055"][0] == "missing"


def test_the_deadline_follows_the_setting_and_summer_time(fresh_db, tmp_path, monkeypatch):
    from reception import config

    settings = tmp_path / "settings.toml"
    settings.write_text((config.DATA_DIR / "settings.toml").read_text("utf-8")
                        .replace('deadline = "TUE 12:00"', 'deadline = "MON 09:30"'), "utf-8")
    monkeypatch.setenv("RECEPTION_SETTINGS", str(settings))
    config.settings.cache_clear()
    try:
        load([(ERFURT, 100, 50)], "sommer.csv", datetime(2024, 7, 1), week="2024-W26")
        run_etl("remind", "--dry-run", "--now", "2024-07-10T12:00", env={
            "RECEPTION_SETTINGS": str(settings)})
    finally:
        config.settings.cache_clear()
    rows = query(fresh_db, "SELECT DISTINCT due_at FROM reporting_status_at("
                           "TIMESTAMP '2024-07-10 12:00') WHERE week = DATE '2024-06-24'")
    assert rows == [(datetime(2024, 7, 1, 7, 30),)]  # Monday 09:30 CEST = 07:30 UTC


def test_reminders_go_to_the_missing_districts_officers_once(fresh_db, smtp, mail_settings):
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC - timedelta(hours=1))
    assert remind("--now", at(DUE_UTC)).stdout.startswith("Nichts fällig")
    assert smtp.inbox.messages == []

    result = remind("--now", at(DUE_UTC + SECOND))
    assert result.returncode == 0, result.stderr
    # Erfurt is missing: both its officers; Gera reported; Jena's officer has no address
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["a@erfurt.example", "b@erfurt.example"]
    message = smtp.inbox.to("a@erfurt.example")[0]
    assert message["Subject"] == "Erinnerung: Meldung KW 45/2024 für Erfurt fehlt"
    plain = message.get_body(("plain",)).get_content()
    assert "war am Di 12.11.2024 12:00 Uhr fällig und ist noch nicht eingegangen" in plain
    assert f"{PUBLIC_URL}/hochladen" in plain and f"{PUBLIC_URL}/erfassen" in plain
    assert "Gera" not in plain and "Jena" not in plain  # no other district in a reminder
    html = message.get_body(("html",)).get_content()
    assert f'href="{PUBLIC_URL}/hochladen"' in html and 'lang="de"' in html
    assert len(result.stdout.splitlines()) == 2 and "gesendet" in result.stdout

    assert remind("--now", at(DUE_UTC + timedelta(hours=2))).returncode == 0  # a rerun
    assert len(smtp.inbox.messages) == 2
    recorded = query(fresh_db, "SELECT ags, week, kind, recipient FROM reminders ORDER BY 4")
    assert recorded == [(ERFURT, datetime(2024, 11, 4).date(), "reminder", "a@erfurt.example"),
                        (ERFURT, datetime(2024, 11, 4).date(), "reminder", "b@erfurt.example")]


def test_escalation_lists_every_missing_district_with_officers_and_rate(
        fresh_db, smtp, mail_settings):
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC - timedelta(hours=1))
    remind("--now", at(DUE_UTC + SECOND), check=True)
    assert smtp.inbox.to(LAND) == []
    remind("--now", at(DUE_UTC + timedelta(hours=23, minutes=59)), check=True)
    assert smtp.inbox.to(LAND) == []
    load([(JENA, 100, 50)], "jena.csv", DUE_UTC + timedelta(hours=3))  # late, not missing

    result = remind("--now", at(DUE_UTC + timedelta(hours=24)), check=True)
    [escalation] = smtp.inbox.to(LAND)
    assert escalation["Subject"] == "Meldungen KW 45/2024: 20 Kreise fehlen 24 Stunden nach der Frist"
    plain = escalation.get_body(("plain",)).get_content()
    assert ("- Erfurt (16051) – Datenverantwortliche: a@erfurt.example, b@erfurt.example; "
            "pünktlich in den letzten 12 Wochen: 0 %") in plain
    assert "- Suhl (16054) – Datenverantwortliche: keine mit E-Mail-Adresse hinterlegt" in plain
    assert "Gera (16052)" not in plain and "Jena (16053)" not in plain
    assert plain.count("\n- ") == 20 and f"{PUBLIC_URL}/erfassen" in plain
    assert f"Meldestand aller Kreise (Seite Meldungen): {PUBLIC_URL}/meldungen" in plain
    assert "Eskalation an lage@land.example" in result.stdout
    remind("--now", at(DUE_UTC + timedelta(hours=30)), check=True)
    assert len(smtp.inbox.to(LAND)) == 1 and len(smtp.inbox.messages) == 3


def test_dry_run_prints_without_sending_or_recording(fresh_db, smtp, mail_settings):
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC)
    result = remind("--now", at(DUE_UTC + timedelta(days=2)), "--dry-run", check=True)
    assert "nicht gesendet (--dry-run)" in result.stdout and "Eskalation an" in result.stdout
    assert smtp.inbox.messages == [] and query(fresh_db, "SELECT * FROM reminder_log") == []


def test_two_runs_at_once_send_each_message_once(fresh_db, smtp, mail_settings):
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC - timedelta(hours=1))
    now = at(DUE_UTC + timedelta(hours=25))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-m", "etl", "remind", "--now", now], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    received = sorted((m["To"], m["Subject"]) for m in smtp.inbox.messages)
    assert len(received) == len(set(received)) == 3  # two reminders (Erfurt), one escalation
    printed = [line for out, _ in outputs for line in out.splitlines() if "gesendet" in line]
    assert len(printed) == 3


def test_server_down_then_up_sends_once_by_the_next_run(fresh_db, smtp, mail_settings):
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC - timedelta(hours=1))
    smtp.stop()
    down = remind("--now", at(DUE_UTC + SECOND))
    assert down.returncode == 1
    assert down.stderr.startswith("Mailserver nicht erreichbar, nichts gesendet")
    assert len(down.stderr.strip().splitlines()) == 1 and "Traceback" not in down.stderr
    assert query(fresh_db, "SELECT * FROM reminder_log") == []  # nothing recorded as sent
    smtp.start()
    up = remind("--now", at(DUE_UTC + timedelta(minutes=5)))
    assert up.returncode == 0, up.stderr
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["a@erfurt.example", "b@erfurt.example"]
    remind("--now", at(DUE_UTC + timedelta(minutes=10)), check=True)
    assert len(smtp.inbox.messages) == 2


def test_a_refused_message_is_sent_by_the_next_run(fresh_db, smtp, mail_settings):
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC - timedelta(hours=1))
    smtp.inbox.refuse = True
    refused = remind("--now", at(DUE_UTC + SECOND))
    assert refused.returncode == 1 and "nicht gesendet: Mailserver" in refused.stdout
    assert query(fresh_db, "SELECT count(*) FROM reminders") == [(0,)]
    smtp.inbox.refuse = False
    remind("--now", at(DUE_UTC + timedelta(minutes=1)), check=True)
    assert len(smtp.inbox.messages) == 2
    assert query(fresh_db, "SELECT count(*) FROM reminders") == [(2,)]


def test_a_crashed_claim_lapses_and_is_sent_not_lost(fresh_db, smtp, mail_settings):
    from reception.read.queries import utc_now
    from reception.store import db, ledger

    load([(GERA, 100, 50)], "gera.csv", DUE_UTC - timedelta(hours=1))
    entry = ledger.Entry("reminder", ERFURT, datetime(2024, 11, 4).date(), "a@erfurt.example")
    with db.writer() as con:  # a run that claimed and then died
        assert ledger.claim(con, [entry], "crashed", utc_now()) == [entry]
    remind("--now", at(DUE_UTC + SECOND), check=True)
    assert [m["To"] for m in smtp.inbox.messages] == ["b@erfurt.example"]  # the claim holds
    with db.writer() as con:  # ... until its lease has run out
        con.execute("UPDATE reminder_log SET claimed_at = claimed_at - ? WHERE claimed_by = "
                    "'crashed'", [ledger.LEASE + SECOND])
    remind("--now", at(DUE_UTC + timedelta(minutes=1)), check=True)
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["a@erfurt.example", "b@erfurt.example"]


def test_without_a_mail_server_remind_says_so(fresh_db, monkeypatch):
    monkeypatch.delenv("RECEPTION_SMTP_URL", raising=False)
    result = remind()
    assert result.returncode == 1 and result.stderr.startswith("Kein Mailserver eingestellt")
    bad = remind("--now", "gestern")
    assert bad.returncode == 2 and "kein Zeitpunkt nach ISO 8601" in bad.stderr


def test_no_password_in_any_output_or_log(fresh_db, smtp, mail_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("RECEPTION_SMTP_URL", f"smtp://melder@127.0.0.1:{smtp.port}")
    monkeypatch.setenv("RECEPTION_SMTP_PASSWORD", "Str3ng-Geheim")
    log = tmp_path / "log.jsonl"
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC)
    result = run_etl("--log-json", str(log), "remind", "--now", at(DUE_UTC + SECOND), check=False)
    assert result.returncode == 1  # STARTTLS for a user: this test server has none
    assert "smtp://melder@127.0.0.1" in result.stderr
    everything = result.stdout + result.stderr + log.read_text("utf-8")
    assert "Str3ng-Geheim" not in everything


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://user@mail.example:587", ("smtp", "mail.example", 587, "user", True)),
    ("smtp://mail.example:587", ("smtp", "mail.example", 587, None, True)),
    ("smtps://user@mail.example", ("smtps", "mail.example", 465, "user", False)),
    ("smtp://relay.intern:25", ("smtp", "relay.intern", 25, None, False)),
    ("smtp://relay.intern", ("smtp", "relay.intern", 25, None, False)),
])
def test_the_url_says_how_to_talk_to_the_server(url, expected):
    from reception.notify import mail

    server = mail.server_from_url(url)
    assert (server.scheme, server.host, server.port, server.user, server.starttls) == expected


def test_two_hosts_of_a_postgresql_store_send_once(pg_store, smtp, mail_settings, tmp_path):
    from etl.cli import main

    assert main(["init"]) == 0
    load([(GERA, 100, 50)], "gera.csv", DUE_UTC - timedelta(hours=1))
    now = at(DUE_UTC + timedelta(hours=25))
    runs = []
    for host in ("host-a", "host-b"):
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "RECEPTION_SNAPSHOT_DIR": str(tmp_path / host)}
        runs.append(subprocess.Popen([sys.executable, "-m", "etl", "remind", "--now", now],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True))
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    received = sorted((m["To"], m["Subject"]) for m in smtp.inbox.messages)
    assert len(received) == len(set(received)) == 3
    recorded = query(pg_store_db(), "SELECT kind, recipient FROM reminders ORDER BY 1, 2")
    assert recorded == [("escalation", LAND), ("reminder", "a@erfurt.example"),
                        ("reminder", "b@erfurt.example")]
    from reception.store import postgres

    with postgres.connect() as pg:  # the store's own view, for scripts that read it directly
        assert pg.execute("SELECT kind, recipient FROM reminders ORDER BY 1, 2").fetchall() == \
            recorded


def pg_store_db():
    from reception import config

    return config.db_path()


def test_accounts_carry_an_email_address(tmp_path, monkeypatch):
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(tmp_path / "accounts.json"))
    env = {"RECEPTION_ACCOUNTS": str(tmp_path / "accounts.json"),
           "RECEPTION_PASSWORD": "geheim-genug-123"}
    run_etl("user", "add", "mueller", "--role", "officer", "--district", "16067",
            "--email", "mueller@lra-gotha.example", env=env)
    run_etl("user", "add", "schulz", "--role", "officer", "--district", "16067", env=env)
    from reception import accounts

    assert accounts.officer_addresses("16067") == ["mueller@lra-gotha.example"]
    result = run_etl("user", "set", "schulz", "--email", "schulz@lra-gotha.example", env=env)
    assert result.stdout.strip() == "E-Mail-Adresse von schulz: schulz@lra-gotha.example"
    assert accounts.officer_addresses("16067") == ["mueller@lra-gotha.example",
                                                   "schulz@lra-gotha.example"]
    bad = run_etl("user", "set", "schulz", "--email", "kein-at-zeichen", env=env, check=False)
    assert bad.returncode == 1 and "keine E-Mail-Adresse" in bad.stderr
    assert "mueller@lra-gotha.example" in run_etl("user", "list", env=env).stdout


def test_backdating_helper_reaches_the_store_of_record(fresh_db):
    load_id = load([(GERA, 100, 50)], "gera.csv")
    backdate(load_id, DUE_UTC)
    assert query(fresh_db, "SELECT loaded_at FROM loads WHERE load_id = ?", [load_id]) == [
        (DUE_UTC,)]
