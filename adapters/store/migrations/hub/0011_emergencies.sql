-- Break-glass (issue 9; PIPL Art. 13(4): to protect a child's life or health in an emergency). A declaration by a
-- named person, with a written justification (sealed), opens more for that person and that child for a short
-- window; every decision in it is recorded with the basis "emergency"; the child's guardians are told (unless a
-- suspicion of harm stands against one); the case waits for review by the district bureau until signed off.
CREATE TABLE emergencies (
  id text PRIMARY KEY,
  subject_id text NOT NULL REFERENCES subjects (id),
  school_agency_id text NOT NULL,
  declared_by_agency text NOT NULL,
  declared_by_user text NOT NULL,
  declared_by_role text NOT NULL,
  justification text NOT NULL,
  declared_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  reviewed_by text,
  reviewed_at timestamptz,
  review_note text
);
CREATE INDEX emergencies_active ON emergencies (subject_id, declared_by_agency, declared_by_user, expires_at);
CREATE INDEX emergencies_unreviewed ON emergencies (school_agency_id, declared_at) WHERE reviewed_at IS NULL;

-- What the hub tells a guardian (today: that an emergency opened the child's record), for the guardian to read.
CREATE TABLE guardian_notices (
  id text PRIMARY KEY,
  school_agency_id text NOT NULL,
  guardian_user_id text NOT NULL,
  subject_id text NOT NULL,
  kind text NOT NULL,
  at timestamptz NOT NULL,
  detail text NOT NULL
);
CREATE INDEX guardian_notices_by_guardian ON guardian_notices (school_agency_id, guardian_user_id, at);
