-- The embedded event bus keeps its log here, so a restart of the single-machine hub loses no message.
CREATE TABLE bus_messages (
  seq bigserial PRIMARY KEY,
  topic text NOT NULL,
  message_key text,
  message_value text NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bus_messages_topic_seq ON bus_messages (topic, seq);

CREATE TABLE bus_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (group_id, topic)
);
