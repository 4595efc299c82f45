"""The write path: a report file travels read -> validate -> load.

``load.inspect_bytes`` opens a private in-memory DuckDB connection per file; the relations
below carry the file between the modules, in this order. All are temporary and die with that
connection; only ``load.write_rows`` writes to the main database (``report_row``, ``load_week``,
``load_log``). Tests assert what a file loads or which problems it has, not these names.

=====================  =====================  ===========================================
relation               made by (read by)      columns
=====================  =====================  ===========================================
raw_cells (table)      reports, CSV (fast     the file's cells: ``<field>`` trimmed ('' as
                       road) (reports,        NULL); for a measure ``<m>_cell`` as read and
                       validate)              ``<m>_quick``, a quick guess at its number
number_cells_<m>       reports                every distinct cell of measure m: ``cell``,
(table)                (reports, validate:    ``quick``, ``exact`` (``numbers.number_sql``)
                       the screen)
number_fix_<m>         reports (validate)     ``cell``, ``exact``: where the guess is wrong
blank_rows (table)     reports (reports)      ``a``: row indexes below skipped empty lines
raw (view; a table     reports (validate)     ``line`` (as Excel counts), ``row_index`` and
from rows read in                             the cells of ``raw_cells`` (spreadsheets and
Python)                                       the careful CSV road: every field as text,
                                              from ``rows_read``, an Arrow table)
cells (view)           validate (validate)    ``line``, text fields, ``<m>_number``, ``<m>``
                                              (the text, only where a rule may need it); no
                                              empty and no total rows ('Summe', 'Gesamt')
district_map (table)   validate (validate)    ``source`` ('ags' or 'district'), ``value``
                                              (distinct cell), ``ags`` (reference key),
                                              ``known``
week_lookup,           validate (validate)    per distinct week / date cell: its Monday
date_lookup (tables)                          (``week_from_week``), or its date and Monday
resolved_rows,         validate (validate)    ``line`` and ``rules.CELL_COLUMNS``: the cells
resolved (view)                               with their districts, weeks and dates; a table
                                              for the row-by-row road, else a view
row_problems (table)   validate (validate)    ``line``, ``code``, ``field``, ``value``,
                                              ``severity``: the problems found by rows
sound (view or table)  validate (validate)    ``resolved`` without the rows with an error
clean (view)           validate (load)        the rows as loaded: ``line``, ``ags``,
                                              ``week``, ``facility``, ``facility_type``,
                                              arrivals, departures, capacity, occupied
=====================  =====================  ===========================================

``load.inspect_bytes`` hands the rows of ``clean`` on either in its connection (kept open for
``load.apply`` as ``Inspection.connection``: the rows go into the main database without
leaving DuckDB) or as an Arrow table (``Inspection.rows``). ``load.write_rows`` takes one kind
of thing: a relation of the writing connection (``con.sql(...)`` over ``clean``,
``con.from_arrow(table)``, ``con.from_df(frame)``).
"""
