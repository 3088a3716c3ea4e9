-- A standing suspicion that a guardian is the source of harm is an exception to the guardian's rights (Minors
-- Protection Law Art. 11), so the school reviews it at intervals instead of letting it stand unexamined. Every
-- review is kept, never overwritten: who, when, whether the suspicion was kept or cleared, and a note (sealed).
-- guardian_links keeps the latest review's who and when, which sets the next review's due date.
CREATE TABLE guardian_concern_reviews (
  id bigserial PRIMARY KEY,
  school_agency_id text NOT NULL,
  guardian_user_id text NOT NULL,
  subject_id text NOT NULL,
  at timestamptz NOT NULL,
  by_user text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('KEPT', 'CLEARED')),
  note text,
  FOREIGN KEY (school_agency_id, guardian_user_id, subject_id) REFERENCES guardian_links (school_agency_id, guardian_user_id, subject_id)
);
CREATE INDEX guardian_concern_reviews_by_subject ON guardian_concern_reviews (subject_id, at);
CREATE INDEX guardian_links_standing_suspicions ON guardian_links (school_agency_id) WHERE suspected_of_harm;
