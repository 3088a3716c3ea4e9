-- An event the hub sent that its recipient refused (dead-lettered): shown on the referral, never silent.
CREATE TABLE delivery_problems (
  event_id text NOT NULL,
  referral_id text NOT NULL,
  recipient_agency_id text NOT NULL,
  reason text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (event_id, recipient_agency_id)
);
CREATE INDEX delivery_problems_referral ON delivery_problems (referral_id);
