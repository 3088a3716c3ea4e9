-- Identity linkage and enrolment (issue 10). No resident identity number is stored anywhere: only its keyed
-- digests (HMAC-SHA-256, one per configured pseudonym key, so the key can be replaced), the agencies' own local
-- ids, and the enrolment history that lets a child's record follow them between schools and stages (R87).
ALTER TABLE subjects ADD COLUMN class_ref text;
ALTER TABLE subjects ADD COLUMN left_on date;

CREATE TABLE identity_links (
  key_id text NOT NULL,
  digest text NOT NULL,
  subject_id text NOT NULL REFERENCES subjects (id),
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (key_id, digest)
);
CREATE INDEX identity_links_by_subject ON identity_links (subject_id);

CREATE TABLE agency_local_ids (
  agency_id text NOT NULL REFERENCES agencies (id),
  local_id text NOT NULL,
  subject_id text NOT NULL REFERENCES subjects (id),
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (agency_id, local_id)
);

CREATE TABLE enrolments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_id text NOT NULL REFERENCES subjects (id),
  school_agency_id text NOT NULL REFERENCES agencies (id),
  grade integer NOT NULL,
  class_ref text NOT NULL,
  local_ref text NOT NULL,
  since date NOT NULL,
  until date,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX enrolments_by_subject ON enrolments (subject_id, id);
-- One open enrolment per child: a transfer closes the old one in the same transaction that opens the new one.
CREATE UNIQUE INDEX enrolments_one_open ON enrolments (subject_id) WHERE until IS NULL;

-- A child enrolled at one school cannot be taken by another that knows the number: the new school's enrolment waits
-- here until the school the child is enrolled at records that the child left (R87: a transfer both schools sign).
CREATE TABLE pending_transfers (
  subject_id text NOT NULL REFERENCES subjects (id),
  to_school_agency_id text NOT NULL REFERENCES agencies (id),
  grade integer NOT NULL,
  class_ref text NOT NULL,
  local_ref text NOT NULL,
  since date NOT NULL,
  requested_at timestamptz NOT NULL,
  PRIMARY KEY (subject_id, to_school_agency_id)
);
