-- The people around the child and the guardians' consents (issue 9). A guardian is a principal the school issues
-- (role `guardian`), linked to the child here; a guardian suspected of being the source of harm is neither shown
-- the record nor notified while that stands, and the exception is recorded for review. Consents record what the
-- guardian agreed to: for which purposes, which categories of data, to which kinds of recipient, from when until
-- when, with what evidence; revoked consents stay, marked, so the trail shows what held when.
CREATE TABLE guardian_links (
  school_agency_id text NOT NULL REFERENCES agencies (id),
  guardian_user_id text NOT NULL,
  subject_id text NOT NULL REFERENCES subjects (id),
  linked_by text NOT NULL,
  linked_at timestamptz NOT NULL,
  suspected_of_harm boolean NOT NULL DEFAULT false,
  suspicion_recorded_by text,
  suspicion_recorded_at timestamptz,
  suspicion_reason text,
  suspicion_reviewed_by text,
  suspicion_reviewed_at timestamptz,
  PRIMARY KEY (school_agency_id, guardian_user_id, subject_id)
);
CREATE INDEX guardian_links_by_subject ON guardian_links (subject_id);

CREATE TABLE consents (
  id text PRIMARY KEY,
  subject_id text NOT NULL REFERENCES subjects (id),
  guardian_user_id text NOT NULL,
  school_agency_id text NOT NULL,
  purposes text[] NOT NULL,
  categories text[] NOT NULL,
  recipients text[] NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz,
  evidence text NOT NULL,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  revoked_at timestamptz,
  revoked_by text
);
CREATE INDEX consents_by_subject ON consents (subject_id, valid_from);

-- What a consent said before each amendment (the evidence stays sealed), so the trail shows what held when.
CREATE TABLE consent_versions (
  consent_id text NOT NULL REFERENCES consents (id),
  version integer NOT NULL,
  purposes text[] NOT NULL,
  categories text[] NOT NULL,
  recipients text[] NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz,
  evidence text NOT NULL,
  superseded_at timestamptz NOT NULL,
  superseded_by text NOT NULL,
  PRIMARY KEY (consent_id, version)
);
