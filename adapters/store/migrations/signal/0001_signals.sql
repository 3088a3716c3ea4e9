-- Early-warning signals from public safety (issue 10, R52-R57). The police note stays in the envelope the police
-- connector sealed to the hub's key (JWE at rest) and is opened only on a lawful request; the officer, the
-- school's note, guidance and report summaries are sealed with the data keys: enc:v1:<keyId>:...
-- An unmatched signal keeps the keyed digest of the child's number (never the number) until an enrolment matches.
CREATE TABLE signals (
  id text PRIMARY KEY,
  police_agency_id text NOT NULL,
  source_id text NOT NULL,
  police_district_id text,
  police_local_id text NOT NULL,
  subject_id text REFERENCES subjects (id),
  school_agency_id text,
  link_key_id text,
  link_digest text,
  category text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')),
  observed_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  routed_at timestamptz,
  due_at timestamptz,
  note_envelope text,
  officer text NOT NULL,
  episode_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('UNMATCHED', 'ROUTED', 'ACKNOWLEDGED')),
  acknowledged_at timestamptz,
  acknowledged_by text,
  actions text[] NOT NULL DEFAULT '{}',
  acknowledgement_note text,
  escalated_at timestamptz,
  UNIQUE (police_agency_id, source_id)
);
CREATE INDEX signals_unmatched_links ON signals (link_key_id, link_digest) WHERE state = 'UNMATCHED';
CREATE INDEX signals_unmatched_district ON signals (police_district_id, id) WHERE state = 'UNMATCHED';
CREATE INDEX signals_by_school ON signals (school_agency_id, id);
CREATE INDEX signals_by_police ON signals (police_agency_id, id);
CREATE INDEX signals_by_subject ON signals (subject_id, observed_at);
CREATE INDEX signals_due ON signals (due_at) WHERE state = 'ROUTED' AND escalated_at IS NULL;
CREATE INDEX signals_received ON signals (received_at);

CREATE TABLE signal_guidance (
  signal_id text NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
  sequence integer NOT NULL,
  given_at timestamptz NOT NULL,
  given_by text NOT NULL,
  text text NOT NULL,
  PRIMARY KEY (signal_id, sequence)
);

CREATE TABLE signal_note_openings (
  signal_id text NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
  opened_at timestamptz NOT NULL,
  opened_by_agency text NOT NULL,
  opened_by_user text NOT NULL,
  basis text NOT NULL,
  justification text NOT NULL
);
CREATE INDEX signal_note_openings_by_signal ON signal_note_openings (signal_id, opened_at);

CREATE TABLE school_reports (
  id text PRIMARY KEY,
  school_agency_id text NOT NULL,
  police_agency_id text NOT NULL,
  subject_id text NOT NULL REFERENCES subjects (id),
  kind text NOT NULL CHECK (kind IN ('CRISIS', 'SUSPECTED_HARM')),
  summary text NOT NULL,
  reported_by text NOT NULL,
  reported_at timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by text
);
CREATE INDEX school_reports_by_school ON school_reports (school_agency_id, id);
CREATE INDEX school_reports_by_police ON school_reports (police_agency_id, id);
