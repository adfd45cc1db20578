-- Per-tenant attachment settings (JSON, see src/directory/tenants.ts AttachmentSettings).
ALTER TABLE tenants ADD COLUMN attachments TEXT NOT NULL DEFAULT '{}';
