-- Imports name a student by the school's own student number: found in one lookup per batch.
CREATE INDEX subjects_school_local_ref ON subjects (school_agency_id, local_ref);
