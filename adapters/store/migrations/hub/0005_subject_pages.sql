-- A school lists its students page by page, ordered by pseudonym.
CREATE INDEX subjects_school_page ON subjects (school_agency_id, id);
