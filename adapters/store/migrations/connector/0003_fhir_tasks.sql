-- The hospital connector's FHIR view of its referrals: the Task it serves and its ServiceRequest. Both hold the
-- referral reason and the child's pseudonym, so they are stored sealed (AES-256-GCM); what the search filters on
-- (status, owner, referral code) has columns of its own so that nothing has to look inside the sealed JSON.
CREATE TABLE fhir_tasks (
  agency_id text NOT NULL,
  referral_id text NOT NULL,
  code text NOT NULL,
  status text NOT NULL,
  owner text NOT NULL,
  task text NOT NULL,
  service_request text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (agency_id, referral_id)
);
CREATE INDEX fhir_tasks_recent ON fhir_tasks (agency_id, updated_at DESC, referral_id);
CREATE INDEX fhir_tasks_status ON fhir_tasks (agency_id, status, updated_at DESC);
CREATE INDEX fhir_tasks_owner ON fhir_tasks (agency_id, owner, updated_at DESC);
CREATE INDEX fhir_tasks_code ON fhir_tasks (agency_id, code);
