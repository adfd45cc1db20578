-- Paced broadcasts (maxPerSecond): when the next slice may start, in ms since
-- the epoch. A consumer reserves its slice's start with one UPDATE … RETURNING
-- (src/broadcast/fan-out.ts, sliceStart), so slices that the queue hands over
-- together, late or to consumers running side by side still start a slice's
-- worth of time apart.
ALTER TABLE broadcasts ADD COLUMN next_slice_at INTEGER;
