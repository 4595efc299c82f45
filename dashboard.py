"""Aufnahme-Monitor: the entry script. Declares the navigation and the shared sidebar
(language, time range, district kinds), then runs the chosen page from ``pages/``.

The sign-in and upload pages join the navigation when their files exist.

``streamlit run dashboard.py`` finds ``app`` (an ``st.App``) and serves it with uvicorn: the pages
and, on the same port, the HTTP paths of :mod:`reception.web.routes`. The page code runs only as
the script of a session (``__main__``), never when uvicorn imports this module for ``app``.
"""

from pathlib import Path

import streamlit as st

from reception.web import routes

ROOT = Path(__file__).resolve().parent
PAGES = ROOT / "pages"

app = st.App(ROOT / "dashboard.py", routes=routes.routes())


def page(name: str, default: bool = False) -> st.Page:
    # No icons: Material icon ligatures would be read out by screen readers ("map Karte").
    return st.Page(PAGES / f"{name}.py", title=ui.t_ui(f"nav.{name}"), url_path=name, default=default)


def navigation() -> st.Page:
    sections = {
        ui.t_ui("nav.section_overview"): [page("lage", default=True), page("kreis"), page("karte"),
                                          page("vergleich"), page("planung")],
        ui.t_ui("nav.section_data"): [page("meldungen"), page("methodik")],
    }
    present = [st.Page(path, title=title, url_path=name) for path, name, title in ui.optional_pages(PAGES)]
    if present:
        sections[ui.t_ui("nav.section_reporting")] = present
    return st.navigation(sections)


def main() -> None:
    st.set_page_config(page_title="Aufnahme-Monitor", page_icon=":material/home_work:", layout="wide",
                       initial_sidebar_state="expanded")
    ui.current_language()
    current = navigation()
    with st.sidebar:
        st.markdown(f"### {ui.t_ui('app.title')}")
        ui.language_switch()
        ui.sidebar_filters()
        st.caption(ui.t_ui("sidebar.filters_note"))
    ui.run_page(current)


if __name__ == "__main__":
    # Imported here, not above: uvicorn imports this module for ``app`` outside any session, where
    # the pages' cached functions have no Streamlit runtime yet.
    from reception.web import ui

    main()
