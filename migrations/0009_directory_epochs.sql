-- Paging snapshots opened by the runs that need them (src/directory/conversation-index.ts).
-- Before: every directory batch moved the deployment-wide clock and copied
-- each row it replaced into directory_history, though a history row is read
-- only by a paging run that started before the replace. Now a row is stamped
-- with the epoch of its tenant, the epoch moves when a paging run of the tenant
-- starts (its first page), and a replaced row goes to the history only if it
-- was written before the current epoch of the tenant began — i.e. a run may see it.
-- A tenant without a row here is at the rev of directory_clock (frozen from now on).
CREATE TABLE directory_epoch (tenant TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;

-- Runs started before this migration read at most the rev of the old clock: every
-- row written from now on is above it, and a row written before is historised.
UPDATE directory_clock SET rev = rev + 1 WHERE id = 1;
