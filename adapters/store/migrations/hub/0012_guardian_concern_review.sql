-- A standing suspicion that a guardian is the source of harm is an exception to the guardian's rights (Minors
-- Protection Law Art. 11), so the school reviews it at intervals instead of letting it stand unexamined: each review
-- records who, when and a note (sealed), and the suspicion either stands or is cleared.
ALTER TABLE guardian_links ADD COLUMN suspicion_review_note text;
CREATE INDEX guardian_links_standing_suspicions ON guardian_links (school_agency_id) WHERE suspected_of_harm;
