-- Business side (issue 12): tenant settings, the conversation directory
-- (one row per conversation, written by its Conversation DO with versioned
-- upserts), its recent history for stable paging, and substring search.
ALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- One row per conversation, as agents list it. `version` comes from the
-- Conversation DO (an upsert with a lower or equal version is ignored);
-- `rev` is a deployment-wide write counter (directory_clock) that lets a
-- paging run read the directory as of its first page (see directory_history).
CREATE TABLE directory (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  status TEXT NOT NULL,
  owner TEXT NOT NULL,
  owner_agent TEXT,
  assignee TEXT,
  labels TEXT NOT NULL DEFAULT '[]',
  customer_id TEXT NOT NULL,
  customer_name TEXT,
  customer TEXT NOT NULL,
  last_event TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  waiting_since TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  rev INTEGER NOT NULL,
  -- The highest seq whose text is in directory_search (repeated pushes index nothing twice).
  indexed_seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX directory_by_updated ON directory (tenant, updated_at, id);
CREATE INDEX directory_by_created ON directory (tenant, created_at, id);
CREATE INDEX directory_by_waiting ON directory (tenant, waiting_since, id);
CREATE INDEX directory_by_status ON directory (tenant, status);

CREATE TABLE directory_clock (id INTEGER PRIMARY KEY CHECK (id = 1), rev INTEGER NOT NULL);
INSERT INTO directory_clock (id, rev) VALUES (1, 0);

-- The sortable and filterable part of rows replaced in the last minutes:
-- valid for revs [rev, replaced_rev). Kept 20 minutes (a cursor lives 15).
CREATE TABLE directory_history (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  rev INTEGER NOT NULL,
  replaced_rev INTEGER NOT NULL,
  replaced_at TEXT NOT NULL,
  status TEXT NOT NULL,
  owner TEXT NOT NULL,
  assignee TEXT,
  labels TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  customer_name TEXT,
  waiting_since TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, id, rev)
);
CREATE INDEX directory_history_by_replaced ON directory_history (replaced_at);
CREATE INDEX directory_history_by_tenant ON directory_history (tenant, replaced_rev);

-- Message text for substring search (q): FTS5 with the trigram tokenizer
-- (case-insensitive substring matches for queries of 3+ characters).
CREATE VIRTUAL TABLE directory_search USING fts5(tenant UNINDEXED, conversation_id UNINDEXED, seq UNINDEXED, text, tokenize = 'trigram');
