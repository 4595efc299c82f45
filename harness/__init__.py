"""Test and benchmark harness: a served Streamlit app and headless Chromium, shared by tests/ and bench/."""
