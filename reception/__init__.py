"""Aufnahme-Monitor core: schema, connections, district reference, report reading, validation,
loading, queries and metrics. Both the ETL (write path) and the app (read path) use this package;
it never imports from either."""
