import { createRequire } from 'node:module';
import type { Consumer, LogEntry, Producer, SASLOptions } from 'kafkajs';
import type * as kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import type { EventBus, IncomingMessage, OutgoingMessage, Subscription, TopicMessages } from '../../core/ports/event-bus.js';
import { chunkBySize } from '../messaging/chunk-by-size.js';

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Partitions for topics this bus creates; per-key order holds within a partition. */
  partitions?: number;
  /**
   * Prefix for every topic and consumer group, so several hubs (test runs, staging) can share one cluster
   * without reading each other's messages. Invisible to the domain.
   */
  namespace?: string;
  /** SASL/SCRAM credentials, when the cluster authenticates clients (plain TCP, no TLS). */
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** Partitions of the topics this bus creates, unless told otherwise. */
const DEFAULT_KAFKA_PARTITIONS = 3;

/** Below a broker's default message.max.bytes (1,048,588), with room for the record batch's own overhead. */
const MAX_REQUEST_BYTES = 900_000;

/** kafkajs, loaded when a Kafka bus is made: a hub on the embedded bus never holds it in memory. */
const loadKafkajs = () => createRequire(import.meta.url)('kafkajs') as typeof kafkajs;

const toKafkaLevel = (levels: typeof kafkajs.logLevel, level: kafkajs.logLevel): 'error' | 'warn' | 'info' | 'debug' =>
  level === levels.ERROR || level === levels.NOTHING ? 'error' : level === levels.WARN ? 'warn' : level === levels.INFO ? 'info' : 'debug';

function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** How much of one partition a consumer's fetch may bring at once (see `subscribe`). */
const FETCH_MAX_BYTES_PER_PARTITION = 8 * 1024 * 1024;

/**
 * The Kafka adapter. The producer is idempotent and waits for all in-sync replicas; consumers commit only
 * after the handler returned, so a crash redelivers (at-least-once), and a handler that throws makes kafkajs
 * seek back and retry the same message.
 */
export function createKafkaEventBus(options: KafkaEventBusOptions): EventBus {
  const log = options.logger.child({ component: 'kafka' });
  const { Kafka, logLevel } = loadKafkajs();
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // A copy: kafkajs stores its authentication provider on the object. The cast: kafkajs types SASL per
    // mechanism, and a union of mechanisms is the same set of values.
    ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions, ssl: false } : {}),
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      log[toKafkaLevel(logLevel, entry.level)]({ namespace: entry.namespace, ...extra }, message);
    },
  });
  let producer: Producer | null = null;
  let producerReady: Promise<Producer> | null = null;
  const consumers = new Set<Consumer>();
  const ns = options.namespace ?? '';
  const physical = (name: string) => `${ns}${name}`;
  const logical = (name: string) => (ns && name.startsWith(ns) ? name.slice(ns.length) : name);

  const getProducer = () => {
    producerReady ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
      await p.connect();
      producer = p;
      return p;
    })();
    return producerReady;
  };

  const toRecord = (m: OutgoingMessage) => ({ key: m.key, value: m.value, headers: m.headers ?? {} });

  const publishAll = async (batches: readonly TopicMessages[]) => {
    const entries = batches.flatMap((b) => b.messages.map((message) => ({ topic: b.topic, message })));
    if (entries.length === 0) return;
    const p = await getProducer();
    // A request's messages for one partition travel as one record batch, which the broker's message.max.bytes
    // (1 MB by default) caps: a backlog of large events (a batch's notices) is sent in requests below it. Every
    // topic of a chunk goes in one request: on this machine the broker spends ~3 ms of CPU on each, so the relay's
    // notice to a school and status to a bureau cost one request, not two.
    for (const chunk of chunkBySize(
      entries,
      MAX_REQUEST_BYTES,
      (e) => Buffer.byteLength(e.message.value) + (e.message.key ? Buffer.byteLength(e.message.key) : 0),
    )) {
      const byTopic = new Map<string, ReturnType<typeof toRecord>[]>();
      for (const e of chunk) {
        const records = byTopic.get(e.topic) ?? [];
        records.push(toRecord(e.message));
        byTopic.set(e.topic, records);
      }
      await p.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: physical(topic), messages })) });
    }
  };

  return {
    publish: (topic, messages) => publishAll([{ topic, messages }]),
    publishAll,

    async subscribe({ groupId, topics, handler, concurrency }) {
      const consumer = kafka.consumer({
        groupId: physical(groupId),
        allowAutoTopicCreation: true,
        // kafkajs fetches a partition again only once it has handed over all that the last fetch brought. At its
        // default of 1 MB a fetch held about three of a police bureau's 500-signal batch events, and every third one
        // waited a fetch's round trip (8-19 ms, measured draining a backlog: ~7% of its time). The total per fetch
        // stays kafkajs's default cap (10 MB), so memory stays bounded however many partitions a consumer has.
        maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION,
        retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
      });
      consumers.add(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: topics.map(physical), fromBeginning: true });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({
        // kafkajs hands each partition's messages over one at a time, in order, and up to this many partitions at once.
        partitionsConsumedConcurrently: Math.max(1, Math.floor(concurrency ?? 1)),
        eachMessage: async ({ topic, message }) => {
          const incoming: IncomingMessage = {
            topic: logical(topic),
            key: message.key ? message.key.toString('utf8') : null,
            value: message.value ? message.value.toString('utf8') : '',
            headers: headersToStrings(message.headers),
            offset: message.offset,
          };
          await handler(incoming);
        },
      });
      // Resolving only once the group is joined lets callers publish right after subscribing without a race.
      await joined;
      const subscription: Subscription = {
        async close() {
          consumers.delete(consumer);
          await consumer.disconnect();
        },
      };
      return subscription;
    },

    async ensureTopics(topics) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.map(physical).filter((t) => !existing.has(t));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({ topic, numPartitions: options.partitions ?? DEFAULT_KAFKA_PARTITIONS })),
          });
        }
      } finally {
        await admin.disconnect();
      }
    },

    async close() {
      await Promise.all([...consumers].map((c) => c.disconnect()));
      consumers.clear();
      if (producer) await producer.disconnect();
      producer = null;
      producerReady = null;
    },
  };
}
