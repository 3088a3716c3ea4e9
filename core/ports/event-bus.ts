/**
 * The event bus port. Two adapters implement it with the semantics the domain relies on: messages with the
 * same key are delivered in order, delivery is at-least-once (a handler that throws sees the message again),
 * and each consumer group gets every message once per group.
 */
export interface OutgoingMessage {
  /**
   * Partition key: the referral (or subject) id, so one case's events stay in order. Null for a message that keeps
   * no order with any other: the bus spreads those evenly over a topic's partitions.
   */
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Broker position, for logs only. */
  offset: string;
}

export type MessageHandler = (message: IncomingMessage) => Promise<void>;

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  handler: MessageHandler;
  /**
   * How many partitions' messages this subscription may handle at once (Kafka: partitions consumed concurrently,
   * among those one fetch brought; default one), so messages of different keys may overlap. Per-key order holds
   * whatever the value; the handler must be safe to run beside itself, as it is when several processes share the
   * group. The embedded bus keeps one total order per topic and handles one message at a time.
   */
  concurrency?: number;
}

export interface Subscription {
  close(): Promise<void>;
}

/** Messages for one topic, in the order they are to be delivered. */
export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

export interface EventBus {
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /**
   * Publishes to several topics at once (Kafka: one request; embedded: one statement), each topic's messages in the
   * order given. Resolves once all are durable; on failure some topics may have them and others not, and the caller
   * publishes everything again (consumers deduplicate by event id).
   */
  publishAll(batches: readonly TopicMessages[]): Promise<void>;
  /** Starts consuming from the group's committed position (from the beginning for a new group). */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Creates topics that do not exist yet; a no-op where topics are implicit. */
  ensureTopics(topics: string[]): Promise<void>;
  close(): Promise<void>;
}
