-- Schools and bureaus belong to a district (the bureau's counters and escalations are scoped to it), and
-- community counselling / growth-guidance centres receive counselling referrals as an agency type of their own.
ALTER TABLE agencies ADD COLUMN district_id text;
ALTER TABLE agencies DROP CONSTRAINT agencies_type_check;
ALTER TABLE agencies ADD CONSTRAINT agencies_type_check
  CHECK (type IN ('school', 'hospital', 'counselling-centre', 'public-safety', 'education-bureau', 'hub'));
