-- Several staff may propose the same child before the group meets: each proposal is filed (refusing one would tell
-- the proposer that the child is already under assessment or listed). The group merges or dismisses them.
DROP INDEX warning_assessments_one_open;
CREATE INDEX warning_assessments_by_subject ON warning_assessments (subject_id, state);
-- A proposer lists their own proposals.
CREATE INDEX warning_assessments_by_proposer ON warning_assessments (school_agency_id, proposed_by, proposed_at, id);
