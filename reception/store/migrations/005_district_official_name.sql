-- The official name of each district (Destatis: "Erfurt, Stadt") beside the short form the
-- dashboard shows ("Erfurt"); the matcher recognises both. Existing databases get NULL until the
-- next `etl init`, and NULL means "same as name".
ALTER TABLE district_ref ADD COLUMN official_name VARCHAR;
