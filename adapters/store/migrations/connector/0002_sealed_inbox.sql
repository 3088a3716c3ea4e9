-- Inbox payloads carry referral reasons: they are stored sealed (AES-256-GCM) from now on; the referral id the
-- hospital answers about gets a column of its own so that nothing has to look inside the payload.
ALTER TABLE connector_inbox ADD COLUMN sealed_payload text;
ALTER TABLE connector_inbox ADD COLUMN referral_id text;
ALTER TABLE connector_inbox ALTER COLUMN payload DROP NOT NULL;
UPDATE connector_inbox SET referral_id = payload->>'referralId' WHERE referral_id IS NULL;
CREATE INDEX connector_inbox_referral ON connector_inbox (connector_id, referral_id);
CREATE INDEX connector_inbox_acknowledged ON connector_inbox (acknowledged_at) WHERE acknowledged_at IS NOT NULL;
