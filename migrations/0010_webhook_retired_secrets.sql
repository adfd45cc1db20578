-- Every secret rotated away in the last 24 h keeps signing, not only the last
-- one (API.md "Webhooks": "the old secret keeps signing, alongside, for 24 h").
-- Before, a second rotation within 24 h dropped the first secret at once, and a
-- receiver still on it rejected every delivery. A JSON array of
-- { "secret": <sealed>, "until": <ISO time> }, newest first
-- (src/webhooks/endpoints.ts); previous_secret / previous_until are no longer read.
ALTER TABLE webhook_endpoints ADD COLUMN retired_secrets TEXT NOT NULL DEFAULT '[]';

UPDATE webhook_endpoints
SET retired_secrets = json_array(json_object('secret', previous_secret, 'until', previous_until))
WHERE previous_secret IS NOT NULL AND previous_until IS NOT NULL;
