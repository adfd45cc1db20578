-- Business side (issue 12): tenant settings, the conversation directory
-- (one row per conversation, written by its Conversation DO with versioned
-- upserts), its recent history for stable paging, and substring search.
ALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
