-- Tenants, their identity-key configuration and their API keys.
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  identity TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  key_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('bot', 'agent', 'admin')),
  name TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
