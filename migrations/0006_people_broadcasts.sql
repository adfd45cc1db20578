-- People index, topics, subscriptions and broadcasts (API.md "People,
-- subscriptions and broadcasts").

-- One row per person who ever had a session (or, later, a channel identity).
-- name/guest/last_seen_at come from the Customer DO (versioned: a late push
-- with a lower version never overwrites a newer one); labels and timezone
-- belong to the business (PATCH /v1/people/:userId) and the DO never writes them.
CREATE TABLE people (
  tenant TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT,
  guest INTEGER NOT NULL DEFAULT 0,
  labels TEXT NOT NULL DEFAULT '[]',
  timezone TEXT,
  last_seen_at TEXT,
  version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, user_id)
);

CREATE TABLE topics (
  tenant TEXT NOT NULL,
  topic TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, topic)
);

-- A row means "opted in"; opting out deletes it. Authoritative here: the
-- fan-out reads it again just before each delivery.
CREATE TABLE subscriptions (
  tenant TEXT NOT NULL,
  topic TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, topic, user_id)
);
CREATE INDEX subscriptions_user ON subscriptions (tenant, user_id);

CREATE TABLE broadcasts (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  topic TEXT NOT NULL,
  content TEXT NOT NULL,
  audience TEXT,
  status TEXT NOT NULL CHECK (status IN ('scheduled', 'running', 'completed', 'cancelled')),
  send_at TEXT,
  local_time TEXT,
  max_per_second INTEGER,
  total INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  started_at TEXT,
  completed_at TEXT,
  cancelled_at TEXT,
  -- The completion hook (src/broadcast/completion.ts): claimed (a lease, so
  -- concurrent consumers run it once), then marked done.
  completion_claimed_at TEXT,
  completion_notified_at TEXT
);
CREATE INDEX broadcasts_tenant ON broadcasts (tenant, created_at DESC, id DESC);

-- The audience, frozen when the broadcast is created: one row per recipient.
-- status: pending → sending (claimed by a consumer) → delivered | failed,
-- or pending → skipped (reason: unsubscribed, cancelled). Every transition is
-- a conditional UPDATE, so counters (aggregates over this table) count each
-- recipient once however often the queue redelivers.
CREATE TABLE broadcast_recipients (
  broadcast_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  due_at TEXT NOT NULL,
  dispatched INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending',
  reason TEXT,
  conversation_id TEXT,
  seq INTEGER,
  read_at TEXT,
  updated_at TEXT,
  PRIMARY KEY (broadcast_id, user_id)
);
CREATE INDEX broadcast_recipients_todo ON broadcast_recipients (broadcast_id, dispatched, due_at);
CREATE INDEX broadcast_recipients_status ON broadcast_recipients (broadcast_id, status);
