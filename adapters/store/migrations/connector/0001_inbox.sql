-- A connector's inbox: what the hub sent its agency, kept until the agency's system has fetched and
-- acknowledged it. The message id makes redelivered bus messages land once.
CREATE TABLE connector_inbox (
  connector_id text NOT NULL,
  message_id text NOT NULL,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  correlation_id text,
  received_at timestamptz NOT NULL,
  acknowledged_at timestamptz,
  PRIMARY KEY (connector_id, message_id)
);
CREATE INDEX connector_inbox_pending ON connector_inbox (connector_id, received_at) WHERE acknowledged_at IS NULL;
