-- The whole green-channel loop on the referral tables the ledger started with. Sensitive text and every
-- structured clinical or family record is sealed (enc:v1:<keyId>:..., README "Security model").
ALTER TABLE referrals ADD COLUMN code text;
UPDATE referrals SET code = upper(substr(md5(id), 1, 8)) WHERE code IS NULL;
ALTER TABLE referrals ALTER COLUMN code SET NOT NULL;
CREATE UNIQUE INDEX referrals_code ON referrals (code);
ALTER TABLE referrals ADD COLUMN channel text NOT NULL DEFAULT 'OUTPATIENT' CHECK (channel IN ('OUTPATIENT', 'COUNSELLING'));
ALTER TABLE referrals ALTER COLUMN guardians_notified DROP NOT NULL;
ALTER TABLE referrals ADD COLUMN assessment text;
ALTER TABLE referrals ADD COLUMN guardian_notice text;
ALTER TABLE referrals ADD COLUMN withdraw_reason text;
ALTER TABLE referrals ADD COLUMN appointment text;
ALTER TABLE referrals ADD COLUMN leave_of_absence text;
ALTER TABLE referrals ADD COLUMN return_review text;
COMMENT ON COLUMN referrals.assessment IS 'sealed JSON';
COMMENT ON COLUMN referrals.guardian_notice IS 'sealed JSON';
COMMENT ON COLUMN referrals.appointment IS 'sealed JSON';
COMMENT ON COLUMN referrals.leave_of_absence IS 'sealed JSON';
COMMENT ON COLUMN referrals.return_review IS 'sealed JSON';
-- Lists page by (created_at, id) and filter by state, channel and the parties.
CREATE INDEX referrals_page ON referrals (created_at, id);
CREATE INDEX referrals_state ON referrals (state, created_at);
CREATE INDEX referrals_subject ON referrals (subject_id);

CREATE TABLE referral_treatment_updates (
  referral_id text NOT NULL REFERENCES referrals (id),
  sequence integer NOT NULL,
  kind text NOT NULL,
  at timestamptz NOT NULL,
  reported_by text NOT NULL,
  risk_level text,
  next_appointment_at timestamptz,
  return_recommendation text,
  guidance text,
  clinical text,
  PRIMARY KEY (referral_id, sequence)
);
COMMENT ON COLUMN referral_treatment_updates.guidance IS 'sealed';
COMMENT ON COLUMN referral_treatment_updates.clinical IS 'sealed JSON';

CREATE TABLE referral_follow_ups (
  referral_id text NOT NULL REFERENCES referrals (id),
  sequence integer NOT NULL,
  at timestamptz NOT NULL,
  channel text NOT NULL,
  by_user text NOT NULL,
  outcome text NOT NULL,
  PRIMARY KEY (referral_id, sequence)
);
COMMENT ON COLUMN referral_follow_ups.outcome IS 'sealed';

-- A deadline that passed: recorded once per referral, kind and due date, so the watch may run any number of times.
CREATE TABLE referral_deadline_breaches (
  referral_id text NOT NULL REFERENCES referrals (id),
  kind text NOT NULL,
  due_at timestamptz NOT NULL,
  raised_at timestamptz NOT NULL,
  PRIMARY KEY (referral_id, kind, due_at)
);
CREATE INDEX referral_deadline_breaches_raised ON referral_deadline_breaches (raised_at);

CREATE TABLE counselling_slots (
  id text PRIMARY KEY,
  provider_agency_id text NOT NULL REFERENCES agencies (id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  location text,
  booked_referral_id text REFERENCES referrals (id),
  created_at timestamptz NOT NULL
);
CREATE INDEX counselling_slots_free ON counselling_slots (provider_agency_id, starts_at) WHERE booked_referral_id IS NULL;

-- A child has at most one open referral; the service refuses a second with OPEN_REFERRAL_EXISTS, and this index
-- holds the rule when two requests race.
CREATE UNIQUE INDEX referrals_one_open_per_subject ON referrals (subject_id) WHERE state NOT IN ('DECLINED', 'CLOSED', 'WITHDRAWN');
