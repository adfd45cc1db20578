-- Messenger channels (Messenger page, WhatsApp Cloud API number) per tenant.
-- `secrets` is AES-GCM ciphertext (src/channels/secrets.ts), never returned by the API.
CREATE TABLE channels (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  kind TEXT NOT NULL CHECK (kind IN ('messenger', 'whatsapp')),
  account_id TEXT NOT NULL,
  secrets TEXT NOT NULL,
  -- Local development only: the simulator's base URL instead of GRAPH_API_BASE.
  api_base TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, kind)
);
