"""Aufnahme-Monitor: the entry script. Declares the navigation and the shared sidebar
(language, time range, district kinds), then runs the chosen page from ``pages/``.

The sign-in and upload pages join the navigation when their files exist.

``streamlit run dashboard.py`` finds ``app`` (an ``st.App``) and serves it with uvicorn: the pages
and, on the same port, the HTTP paths of :mod:`reception.web.routes`. The page code runs only as
the script of a session (``__main__``), never when uvicorn imports this module for ``app``.
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from reception.web import routes
from reception.web.document import DocumentLanguage

ROOT = Path(__file__).resolve().parent
PAGES = ROOT / "pages"

# DocumentLanguage: the first HTML already says lang="de" / "en" (Streamlit's says "en")
app = st.App(ROOT / "dashboard.py", routes=routes.routes(), middleware=[Middleware(DocumentLanguage)])


def page(name: str, default: bool = False) -> st.Page:
    # No icons: Material icon ligatures would be read out by screen readers ("map Karte").
    return st.Page(PAGES / f"{name}.py", title=ui.t_ui(f"nav.{name}"), url_path=name, default=default)


def sections() -> dict[str, list[st.Page]]:
    return ui.navigation_pages(ui.current_language(), build_sections)


def build_sections() -> dict[str, list[st.Page]]:
    found = {
        ui.t_ui("nav.section_overview"): [page("lage", default=True), page("kreis"), page("karte"),
                                          page("vergleich"), page("planung"),
                                          page("verteilung")],
        ui.t_ui("nav.section_data"): [page("meldungen"), page("methodik")],
    }
    present = [st.Page(path, title=title, url_path=name)
               for path, name, title in ui.optional_pages(PAGES, ui.current_language())]
    if present:
        found[ui.t_ui("nav.section_reporting")] = present
    return found


def menu(found: dict[str, list[st.Page]]) -> None:
    """The page menu in the sidebar: a bold label per section (no heading: the page's h1 must come
    first in the outline) and a link per page. Streamlit's own sectioned navigation renders a list
    whose children are not list items (axe: list, listitem), so it is hidden and replaced by this."""
    for label, pages in found.items():
        st.markdown(f"**{label}**")
        for entry in pages:
            st.page_link(entry)


def main() -> None:
    # "auto": open on a desktop, closed on a phone (an open sidebar would cover the whole page)
    st.set_page_config(page_title="Aufnahme-Monitor", page_icon=":material/home_work:", layout="wide",
                       initial_sidebar_state="auto")
    ui.current_language()
    found = sections()
    current = st.navigation([entry for pages in found.values() for entry in pages], position="hidden")
    # ?stand=T: the whole run (sidebar bounds and the page) reads the figures as they stood at T
    with ui.stand_view() as past:
        with st.sidebar:
            st.markdown(f"**{ui.t_ui('app.title')}**")
            menu(found)
            ui.language_switch()
            ui.sidebar_filters()
            st.caption(ui.t_ui("sidebar.filters_note"))
            ui.document_basics()
        ui.stand_banner(past, current)
        ui.run_page(current)


if __name__ == "__main__":
    # Imported here, not above: uvicorn imports this module for ``app`` outside any session, where
    # the pages' cached functions have no Streamlit runtime yet.
    from reception.web import ui

    main()
