-- The hub's shared-case ledger. No names, no national ids: subjects are pseudonyms.
CREATE TABLE agencies (
  id text PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('school', 'hospital', 'public-safety', 'education-bureau', 'hub')),
  name text NOT NULL,
  public_keys jsonb NOT NULL
);

CREATE TABLE subjects (
  id text PRIMARY KEY,
  school_agency_id text NOT NULL REFERENCES agencies (id),
  grade integer NOT NULL,
  local_ref text NOT NULL
);

CREATE TABLE referrals (
  id text PRIMARY KEY,
  subject_id text NOT NULL REFERENCES subjects (id),
  school_agency_id text NOT NULL REFERENCES agencies (id),
  hospital_agency_id text NOT NULL REFERENCES agencies (id),
  state text NOT NULL,
  reason text NOT NULL,
  guardians_notified boolean NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  correlation_id text NOT NULL,
  decline_reason text
);
CREATE INDEX referrals_school ON referrals (school_agency_id);
CREATE INDEX referrals_hospital ON referrals (hospital_agency_id);

CREATE TABLE referral_timeline (
  referral_id text NOT NULL REFERENCES referrals (id),
  sequence integer NOT NULL,
  state text NOT NULL,
  action text NOT NULL,
  actor_agency_id text NOT NULL,
  actor_user_id text NOT NULL,
  at timestamptz NOT NULL,
  note text,
  PRIMARY KEY (referral_id, sequence)
);

-- Events already applied, per consumer: delivery is at-least-once, effects must be exactly-once.
CREATE TABLE processed_events (
  consumer text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Transactional outbox: an event leaves only if the change that caused it committed.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  message_key text NOT NULL,
  message_value text NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every disclosure and every refusal (PIPL Arts. 44-45, 51). Field names, never field values.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  principal_agency_id text,
  principal_user_id text,
  action text NOT NULL,
  resource_type text NOT NULL,
  resource_id text,
  allowed boolean NOT NULL,
  fields jsonb NOT NULL,
  reasons jsonb NOT NULL,
  correlation_id text
);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id);
