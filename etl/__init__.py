"""Command line of the Aufnahme-Monitor ETL: ``python -m etl --help``."""
