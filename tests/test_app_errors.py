"""An unexpected error on a page is logged with its context and shown as a short message with a
reference, never as a traceback."""

import logging

import pytest
from streamlit.testing.v1 import AppTest


def _broken_page_app() -> None:
    from reception.web import ui

    class BrokenPage:
        url_path = "kaputt"

        def run(self) -> None:
            raise ValueError("secret detail that must not reach the user")

    ui.run_page(BrokenPage())


def test_page_error_is_logged_and_shown_with_a_reference(monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("RECEPTION_RAISE_ERRORS", raising=False)
    with caplog.at_level(logging.ERROR, logger="reception.app"):
        at = AppTest.from_function(_broken_page_app).run()
    assert not at.exception
    message = at.error[0].value
    assert "Kennung" in message and "secret detail" not in message
    reference = message.split("Kennung ")[1].rstrip(".")
    logged = [r for r in caplog.records if "page failed" in r.getMessage()]
    assert logged and f"ref={reference}" in logged[0].getMessage()
    assert "page=kaputt" in logged[0].getMessage()
    assert logged[0].exc_info is not None


def test_page_error_is_raised_under_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEPTION_RAISE_ERRORS", "1")
    at = AppTest.from_function(_broken_page_app).run()
    assert at.exception


def test_page_error_log_names_the_chosen_language(monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("RECEPTION_RAISE_ERRORS", raising=False)
    at = AppTest.from_function(_broken_page_app)
    at.session_state["_lang"] = "en"
    with caplog.at_level(logging.ERROR, logger="reception.app"):
        at.run()
    logged = [r.getMessage() for r in caplog.records if "page failed" in r.getMessage()]
    assert logged and logged[0].endswith("lang=en")
    assert "reference" in at.error[0].value.lower()  # and the English message
