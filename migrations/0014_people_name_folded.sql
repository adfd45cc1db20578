-- The people index's name as GET /v1/people?q= searches it: stored folded by
-- the writer (src/broadcast/people.ts, recordPerson, with foldedForSearch
-- from src/protocol/text.ts; JavaScript's toLowerCase covers all of Unicode),
-- with the query folded the same way, as the directory's customer_name
-- (0011): SQLite's lower() folds ASCII letters only, so "émile" did not find
-- "Émile Zola". Rows written before are folded here as far as SQLite's lower()
-- goes (ASCII); the person's next push (src/customer/people-sync.ts: a
-- session with a new name, or one 5 minutes or more after the last push)
-- writes them in full. Until then listPeople also compares lower(name), so
-- they are found as they were before this migration.
ALTER TABLE people ADD COLUMN name_folded TEXT;
UPDATE people SET name_folded = lower(name) WHERE name IS NOT NULL;
