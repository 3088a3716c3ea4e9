-- Pushing the FHIR Tasks to the hospital's own FHIR endpoint: a Task changed while a
-- push endpoint is configured is marked pending and stays so until the hospital answers 2xx, so a push survives an
-- endpoint that is down and a connector restart. push_version counts the changes, so that a push of an older
-- version cannot clear a newer change that arrived while it was in flight; several changes coalesce into one push.
ALTER TABLE fhir_tasks ADD COLUMN push_pending boolean NOT NULL DEFAULT false;
ALTER TABLE fhir_tasks ADD COLUMN push_version integer NOT NULL DEFAULT 0;
ALTER TABLE fhir_tasks ADD COLUMN push_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE fhir_tasks ADD COLUMN next_push_at timestamptz;
ALTER TABLE fhir_tasks ADD COLUMN last_push_status integer;
CREATE INDEX fhir_tasks_push_due ON fhir_tasks (agency_id, next_push_at, referral_id) WHERE push_pending;
