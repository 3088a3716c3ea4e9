-- Screening results in each student's record (R07-R08): one per student, scale and day. The score is health data:
-- sealed (enc:v1:<keyId>:...); the import id and line say where a result came from.
CREATE TABLE screening_results (
  school_agency_id text NOT NULL,
  subject_id text NOT NULL,
  scale text NOT NULL,
  taken_on date NOT NULL,
  score text NOT NULL,
  assessor text NOT NULL,
  import_id text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (school_agency_id, subject_id, scale, taken_on)
);
