"""Aufnahme-Monitor: the entry script. Declares the navigation and the shared sidebar
(language, time range, district kinds), then runs the chosen page from ``pages/``.

The sign-in and upload pages join the navigation when their files exist.
"""

from pathlib import Path

import streamlit as st

from reception.web import ui

ROOT = Path(__file__).resolve().parent
PAGES = ROOT / "pages"

st.set_page_config(page_title="Aufnahme-Monitor", page_icon=":material/home_work:", layout="wide",
                   initial_sidebar_state="expanded")

lang = ui.current_language()


def page(name: str, default: bool = False) -> st.Page:
    # No icons: Material icon ligatures would be read out by screen readers ("map Karte").
    return st.Page(PAGES / f"{name}.py", title=ui.t_ui(f"nav.{name}"), url_path=name, default=default)


sections = {
    ui.t_ui("nav.section_overview"): [
        page("lage", default=True),
        page("kreis"),
        page("karte"),
        page("vergleich"),
    ],
    ui.t_ui("nav.section_data"): [
        page("meldungen"),
        page("methodik"),
    ],
}
present = [st.Page(path, title=title, url_path=name) for path, name, title in ui.optional_pages(PAGES)]
if present:
    sections[ui.t_ui("nav.section_reporting")] = present

current = st.navigation(sections)

with st.sidebar:
    st.markdown(f"### {ui.t_ui('app.title')}")
    ui.language_switch()
    ui.sidebar_filters()
    st.caption(ui.t_ui("sidebar.filters_note"))

ui.run_page(current)
