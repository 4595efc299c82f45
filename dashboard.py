"""Placeholder entry until the dashboard lands: shows the weekly table from the snapshot."""

import streamlit as st

from reception import db

st.title("Aufnahme-Monitor")
with db.reader() as con:
    st.dataframe(con.execute("SELECT * FROM weekly ORDER BY week DESC, ags LIMIT 500").df())
