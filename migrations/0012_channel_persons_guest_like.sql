-- A messenger user (person ids msgr_… and wa_…) is guest-like: not proven by
-- the business's identity provider (src/ids.ts, isGuestLike). Their website
-- sessions always said `guest: true`; the people index and a thread's
-- `customer` now say so too. Rows written before are set here; a thread's
-- `customer` JSON in the directory is rewritten by its next change.
UPDATE people SET guest = 1 WHERE substr(user_id, 1, 5) = 'msgr_' OR substr(user_id, 1, 3) = 'wa_';
