-- The warning register (README "The warning register"): crisis assessments, the key-student warning list and each
-- entry's history. Free text (reasons, interview, plan, notes) is sealed: enc:v1:<keyId>:...

CREATE TABLE warning_assessments (
  id text PRIMARY KEY,
  subject_id text NOT NULL,
  school_agency_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('PROPOSED', 'INTERVIEWED', 'CONFIRMED', 'DISMISSED')),
  proposed_by text NOT NULL,
  proposed_at timestamptz NOT NULL,
  proposal_reason text NOT NULL,
  interview text,
  decision text,
  warning_id text,
  correlation_id text NOT NULL
);
-- One open assessment per child: a second proposal joins the case already open.
CREATE UNIQUE INDEX warning_assessments_one_open ON warning_assessments (subject_id) WHERE state IN ('PROPOSED', 'INTERVIEWED');
CREATE INDEX warning_assessments_school_page ON warning_assessments (school_agency_id, proposed_at, id);
CREATE INDEX warning_assessments_school_state_page ON warning_assessments (school_agency_id, state, proposed_at, id);

CREATE TABLE warning_entries (
  id text PRIMARY KEY,
  subject_id text NOT NULL,
  school_agency_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('RAISED', 'UNDER_REVIEW', 'PLAN_IN_PLACE', 'LIFTED')),
  category smallint NOT NULL CHECK (category IN (2, 3)),
  owner_user_id text NOT NULL,
  plan text,
  tags text[] NOT NULL DEFAULT '{}',
  assessment_id text NOT NULL REFERENCES warning_assessments (id),
  guardian_notice text,
  raised_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  lifted_at timestamptz,
  correlation_id text NOT NULL
);
-- A child has one entry per school: a lifted warning is raised again, so its history follows the child.
CREATE UNIQUE INDEX warning_entries_one_per_child ON warning_entries (school_agency_id, subject_id);
CREATE INDEX warning_entries_school_page ON warning_entries (school_agency_id, raised_at, id);
CREATE INDEX warning_entries_school_state_page ON warning_entries (school_agency_id, state, raised_at, id);

CREATE TABLE warning_history (
  warning_id text NOT NULL REFERENCES warning_entries (id),
  sequence integer NOT NULL,
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  at timestamptz NOT NULL,
  actor_user_id text NOT NULL,
  reason text,
  PRIMARY KEY (warning_id, sequence)
);
