-- The people around a listed student and the work they owe them (R09-R13, R21-R22, R30): mentors and class teachers
-- assigned to students, observations filed by any staff member, and care tasks (home visits, weekly meetings) with
-- due dates. Free text (observation notes, task outcomes) is sealed: enc:v1:<keyId>:...

CREATE TABLE student_carers (
  school_agency_id text NOT NULL,
  subject_id text NOT NULL,
  user_id text NOT NULL,
  role text NOT NULL CHECK (role IN ('MENTOR', 'CLASS_TEACHER')),
  assigned_at timestamptz NOT NULL,
  PRIMARY KEY (subject_id, user_id, role)
);
CREATE INDEX student_carers_by_user ON student_carers (school_agency_id, user_id, subject_id);

CREATE TABLE observations (
  id text PRIMARY KEY,
  school_agency_id text NOT NULL,
  subject_id text NOT NULL,
  observer_user_id text NOT NULL,
  observer_kind text NOT NULL CHECK (observer_kind IN ('STAFF', 'PEER')),
  triggers text[] NOT NULL DEFAULT '{}',
  note text NOT NULL,
  observed_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX observations_by_subject ON observations (school_agency_id, subject_id, observed_at);

CREATE TABLE care_tasks (
  id text PRIMARY KEY,
  school_agency_id text NOT NULL,
  subject_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('HOME_VISIT', 'WEEKLY_MEETING')),
  cause text NOT NULL,
  warning_id text,
  observation_id text,
  assignee_user_id text,
  due_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  done_at timestamptz,
  done_by text,
  outcome text,
  overdue_raised_at timestamptz
);
CREATE INDEX care_tasks_school_page ON care_tasks (school_agency_id, due_at, id);
CREATE INDEX care_tasks_assignee_page ON care_tasks (school_agency_id, assignee_user_id, due_at, id);
CREATE INDEX care_tasks_open_due ON care_tasks (due_at) WHERE done_at IS NULL AND overdue_raised_at IS NULL;
