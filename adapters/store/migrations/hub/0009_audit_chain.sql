-- The disclosure audit as a hash chain (issue 9): who (agency, user, role), about which child, which fields, for
-- which purpose, on which lawful basis, under which policy; each entry carries the previous entry's hash, and the
-- head moves only with a matching write, so concurrent writers (requests, replicas) extend one chain. Entries
-- written before this migration have no place in the chain (seq NULL) and are reported as such.
ALTER TABLE audit_log ADD COLUMN seq bigint UNIQUE;
ALTER TABLE audit_log ADD COLUMN principal_role text;
ALTER TABLE audit_log ADD COLUMN subject_id text;
ALTER TABLE audit_log ADD COLUMN purpose text;
ALTER TABLE audit_log ADD COLUMN legal_basis text;
ALTER TABLE audit_log ADD COLUMN policy_version text;
ALTER TABLE audit_log ADD COLUMN prev_hash text;
ALTER TABLE audit_log ADD COLUMN hash text;
CREATE INDEX audit_log_subject ON audit_log (subject_id, seq) WHERE subject_id IS NOT NULL;

CREATE TABLE audit_chain_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Where the live chain starts once older entries are archived: the last archived entry.
CREATE TABLE audit_chain_start (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_chain_start (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The chain head, signed by the hub at intervals: a tail cut off or a chain recomputed from scratch shows against it.
CREATE TABLE audit_checkpoints (
  seq bigint PRIMARY KEY,
  hash text NOT NULL,
  signed_at timestamptz NOT NULL,
  jws text NOT NULL
);
