-- The bus log is purged after its retention; message values are stored sealed (AES-256-GCM).
CREATE INDEX bus_messages_published_at ON bus_messages (published_at);
