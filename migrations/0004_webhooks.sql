-- Webhook endpoints of a tenant, and an index of every delivery's state.
-- The deliveries themselves live in the outboxes of the Conversation DOs
-- (and of the per-tenant outbox DO); this index, written by those DOs after
-- each change, lets the API list and recover them without visiting every DO.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  description TEXT,
  -- 1: the tenant's bot; its deliveries carry standby: true while an agent owns the thread.
  bot INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT,
  -- AES-GCM encrypted (src/webhooks/secrets.ts); the previous one signs alongside until previous_until.
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  conversation_id TEXT,
  type TEXT NOT NULL,
  seq INTEGER,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  last_response TEXT,
  next_attempt_at TEXT,
  created_at TEXT NOT NULL,
  -- The outbox row's version: a late write never moves the row back.
  version INTEGER NOT NULL
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (endpoint_id, status, created_at);
