-- The credential an agency's system proved when a change came through its connector, next to the person it named.
ALTER TABLE referral_timeline ADD COLUMN actor_system text;
-- Reasons, decline reasons, notes and outgoing events are stored sealed (AES-256-GCM, README "Security model").
COMMENT ON COLUMN referrals.reason IS 'sealed: enc:v1:<keyId>:...';
COMMENT ON COLUMN referrals.decline_reason IS 'sealed: enc:v1:<keyId>:...';
COMMENT ON COLUMN referral_timeline.note IS 'sealed: enc:v1:<keyId>:...';
COMMENT ON COLUMN outbox.message_value IS 'sealed: enc:v1:<keyId>:...';
CREATE INDEX audit_log_at ON audit_log (at);
