-- The police note is sealed at rest with the hub's data keys (enc:v1:<keyId>:..., purpose signals.note) once the
-- hub has opened the envelope it crossed the bus in: a batch of signals brings its notes in one envelope, so no
-- per-note envelope exists to keep. Rows written before keep the police's JWE and still open (issue 10).
ALTER TABLE signals RENAME COLUMN note_envelope TO note;
