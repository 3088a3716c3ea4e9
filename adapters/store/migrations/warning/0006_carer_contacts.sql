-- What mentors and class teachers record of their students (R12: talks and home contacts; R31: visits), counted
-- per term and per school year for the coverage the bureaus report. The note is sealed.
CREATE TABLE carer_contacts (
  id text PRIMARY KEY,
  school_agency_id text NOT NULL,
  subject_id text NOT NULL,
  carer_user_id text NOT NULL,
  carer_role text NOT NULL CHECK (carer_role IN ('MENTOR', 'CLASS_TEACHER')),
  kind text NOT NULL CHECK (kind IN ('TALK', 'HOME_CONTACT', 'HOME_VISIT')),
  at timestamptz NOT NULL,
  note text NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX carer_contacts_coverage ON carer_contacts (school_agency_id, carer_role, kind, at, subject_id);
