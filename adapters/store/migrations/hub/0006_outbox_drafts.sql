-- The outbox holds unsigned event drafts: the relay signs them after the transaction that queued them committed.
-- Rows queued before this migration hold messages signed at the time; they keep `draft = false` and leave as they are.
ALTER TABLE outbox ADD COLUMN draft boolean NOT NULL DEFAULT false;
