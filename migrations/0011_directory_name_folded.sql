-- customer_name is only searched (a row shows its `customer` JSON), and is now
-- stored lower-cased by the writer (src/directory/conversation-index.ts,
-- storedOf; JavaScript's toLowerCase covers all of Unicode), with the query
-- lower-cased the same way: SQLite's LIKE folds ASCII letters only, so
-- "élodie" did not find "Élodie". Rows written before are lower-cased here as
-- far as SQLite's lower() goes (ASCII); their next change writes them in full.
UPDATE directory SET customer_name = lower(customer_name) WHERE customer_name IS NOT NULL;
UPDATE directory_history SET customer_name = lower(customer_name) WHERE customer_name IS NOT NULL;
