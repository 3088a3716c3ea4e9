-- Event ids a consumer refused, so a refused event cannot be replayed later. Ids only, never payloads.
CREATE TABLE refused_events (
  consumer text NOT NULL,
  event_id text NOT NULL,
  reason text NOT NULL,
  refused_at timestamptz NOT NULL,
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX refused_events_age ON refused_events (refused_at);
