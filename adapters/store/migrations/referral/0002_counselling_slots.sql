-- Counselling slots as the service uses them: who published each and when it was booked. A referral keeps the
-- slots it used (a no-show's slot stays booked as history); a reschedule frees the upcoming one in the same
-- transaction as the new booking. Slots hold no personal data.
ALTER TABLE counselling_slots ADD COLUMN created_by text NOT NULL DEFAULT '';
ALTER TABLE counselling_slots ADD COLUMN booked_at timestamptz;
ALTER TABLE counselling_slots ADD CONSTRAINT counselling_slots_period CHECK (ends_at > starts_at);
CREATE INDEX counselling_slots_booked_by ON counselling_slots (booked_referral_id) WHERE booked_referral_id IS NOT NULL;
CREATE INDEX counselling_slots_provider ON counselling_slots (provider_agency_id, starts_at, id);
