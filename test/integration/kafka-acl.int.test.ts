import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type LogEntry } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafkaEventBus } from '../../adapters/bus/kafka-event-bus.js';
import { createLogger } from '../../adapters/logging/create-logger.js';
import type { EventBus, IncomingMessage } from '../../core/ports/event-bus.js';
import { agencyTopic, TOPICS } from '../../core/messages/topics.js';
import { createAgencyPrincipal, type KafkaSasl } from '../harness/kafka-broker.js';

const SCHOOL = 'school-7';
const HOSPITAL = 'hospital-3';
/** An agency whose id starts with the school's id: a PREFIXED ACL on the school's topic would leak this one. */
const LOOKALIKE = `${SCHOOL}-annex`;

const logger = createLogger({ name: 'kafka-acl', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

type KafkaJSErrorLike = { name?: string; type?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };

/**
 * Every `type` (kafkajs protocol error, e.g. `TOPIC_AUTHORIZATION_FAILED`) and `name` in an error, its cause
 * chain and, for an aggregate error, the errors it holds.
 */
function errorKinds(error: unknown): string[] {
  if (!error || typeof error !== 'object') return [];
  const e = error as KafkaJSErrorLike;
  return [...(e.type ? [e.type] : []), ...(e.name ? [e.name] : []), ...errorKinds(e.cause ?? e.originalError), ...(e.errors ?? []).flatMap(errorKinds)];
}

async function refusal(attempt: Promise<unknown>): Promise<string[]> {
  try {
    await attempt;
  } catch (error) {
    return errorKinds(error);
  }
  throw new Error('expected the broker to refuse, but it allowed it');
}

/**
 * Runs a consumer until it crashes or logs an authorization failure (kafkajs logs some refusals, e.g. of a
 * fetch, and retries them), and resolves with the error kinds it saw; fails if a message gets through.
 */
async function consumerRefusal(consumer: Consumer, topic: string, logged: string[], timeoutMs = 30_000): Promise<string[]> {
  let crash: unknown;
  consumer.on(consumer.events.CRASH, (event) => void (crash = event.payload.error));
  let received = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async () => void received++ });
    const deadline = Date.now() + timeoutMs;
    while (!crash && !logged.some((k) => k.endsWith('_AUTHORIZATION_FAILED')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(received).toBe(0);
    return [...errorKinds(crash), ...logged];
  } finally {
    await consumer.disconnect();
  }
}

function until<T>(predicate: (items: T[]) => boolean, items: T[], what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => (predicate(items) ? resolve() : Date.now() > deadline ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(check, 50));
    check();
  });
}

describe('Kafka authorization between agencies', () => {
  const namespace = `acl${randomUUID().slice(0, 8)}.`;
  const brokers = inject('kafkaBrokers');
  const admin = { brokers, sasl: inject('kafkaSasl') };
  const physical = (name: string) => `${namespace}${name}`;
  const busFor = (clientId: string, sasl: KafkaSasl) => createKafkaEventBus({ brokers, clientId, logger, namespace, partitions: 1, sasl });
  /**
   * A bare kafkajs client that gives up at once, so a refusal surfaces as an error instead of a retry loop.
   * Errors kafkajs only logs (it turns a refused FindCoordinator into "group coordinator not found") land in `logged`.
   */
  const rawClient = (sasl: KafkaSasl, logged: string[] = []) =>
    new Kafka({
      clientId: 'acl-probe',
      brokers,
      sasl: { ...sasl },
      ssl: false,
      retry: { retries: 0 },
      logLevel: logLevel.DEBUG,
      logCreator: () => (entry: LogEntry) => void logged.push(...errorKinds(entry.log.error)),
    });
  const noRestart = { retries: 0, restartOnFailure: async () => false };

  let hub: EventBus;
  let school: KafkaSasl;
  let hospital: KafkaSasl;
  const buses: EventBus[] = [];

  beforeAll(async () => {
    hub = busFor('acl-test-hub', admin.sasl);
    buses.push(hub);
    // The hub (super user) creates every topic; agencies have no CREATE, so they never auto-create one.
    await hub.ensureTopics([TOPICS.hubInbound, TOPICS.deadLetter, agencyTopic(SCHOOL), agencyTopic(HOSPITAL), agencyTopic(LOOKALIKE)]);
    [school, hospital] = await Promise.all([
      createAgencyPrincipal(admin, { agencyId: SCHOOL, namespace }),
      createAgencyPrincipal(admin, { agencyId: HOSPITAL, namespace }),
    ]);
    // Something to steal: the hospital's topic is not empty.
    await hub.publish(agencyTopic(HOSPITAL), [{ key: 'r-1', value: 'confidential hospital offer' }]);
  });

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });

  it("a connector can publish to the hub's inbound topic and the dead-letter topic, and read its own agency topic", async () => {
    const connector = busFor(`careloop-connector-${SCHOOL}`, school);
    buses.push(connector);
    const atHub: IncomingMessage[] = [];
    const atSchool: IncomingMessage[] = [];
    await hub.subscribe({ groupId: 'careloop-hub-acl-test', topics: [TOPICS.hubInbound, TOPICS.deadLetter], handler: async (m) => void atHub.push(m) });
    await connector.subscribe({ groupId: `careloop-connector-${SCHOOL}`, topics: [agencyTopic(SCHOOL)], handler: async (m) => void atSchool.push(m) });

    await connector.publish(TOPICS.hubInbound, [{ key: 'r-2', value: 'referral from the school' }]);
    await connector.publish(TOPICS.deadLetter, [{ key: 'r-2', value: 'a message the school could not verify' }]);
    await hub.publish(agencyTopic(SCHOOL), [{ key: 'r-2', value: 'decision for the school' }]);

    await until((ms) => ms.length >= 2, atHub, 'the school’s messages at the hub');
    await until((ms) => ms.length >= 1, atSchool, 'the hub’s message at the school');
    expect(atHub.map((m) => [m.topic, m.value]).sort()).toEqual([
      [TOPICS.deadLetter, 'a message the school could not verify'],
      [TOPICS.hubInbound, 'referral from the school'],
    ]);
    expect(atSchool.map((m) => [m.topic, m.value])).toEqual([[agencyTopic(SCHOOL), 'decision for the school']]);
    await connector.close(); // leaves the school's group empty for the probes below
  });

  it("agency A cannot produce to agency B's topic", async () => {
    const producer = rawClient(school).producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await producer.connect();
    try {
      expect(await refusal(producer.send({ topic: physical(agencyTopic(HOSPITAL)), acks: -1, messages: [{ key: 'r-1', value: 'forged decline' }] }))).toContain(
        'TOPIC_AUTHORIZATION_FAILED',
      );
    } finally {
      await producer.disconnect();
    }
  });

  it("agency A cannot read agency B's topic, not even through its own consumer group", async () => {
    const consumer = rawClient(school).consumer({ groupId: physical(`careloop-connector-${SCHOOL}`), allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      expect(await refusal(consumer.subscribe({ topics: [physical(agencyTopic(HOSPITAL))], fromBeginning: true }))).toContain('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await consumer.disconnect();
    }
  });

  it("agency A cannot read the topic of an agency whose id merely starts with A's id", async () => {
    const consumer = rawClient(school).consumer({ groupId: physical(`careloop-connector-${SCHOOL}`), allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      expect(await refusal(consumer.subscribe({ topics: [physical(agencyTopic(LOOKALIKE))], fromBeginning: true }))).toContain('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await consumer.disconnect();
    }
  });

  it("agency A cannot join agency B's consumer group", async () => {
    const logged: string[] = [];
    const consumer = rawClient(school, logged).consumer({
      groupId: physical(`careloop-connector-${HOSPITAL}`),
      allowAutoTopicCreation: false,
      retry: noRestart,
    });
    // kafkajs reports the refused FindCoordinator as KafkaJSGroupCoordinatorNotFound and only logs the cause.
    expect(await consumerRefusal(consumer, physical(agencyTopic(SCHOOL)), logged)).toContain('GROUP_AUTHORIZATION_FAILED');
  });

  it("agency A can see the hub's inbound topic, since it writes to it, but cannot read what other agencies wrote there", async () => {
    const logged: string[] = [];
    const consumer = rawClient(school, logged).consumer({ groupId: physical(`careloop-connector-${SCHOOL}`), allowAutoTopicCreation: false, retry: noRestart });
    expect(await consumerRefusal(consumer, physical(TOPICS.hubInbound), logged)).toContain('TOPIC_AUTHORIZATION_FAILED');
  });

  it('an agency cannot create topics; only the hub can', async () => {
    const client = rawClient(hospital).admin();
    await client.connect();
    try {
      const kinds = await refusal(client.createTopics({ topics: [{ topic: physical(agencyTopic('made-up-agency')) }], waitForLeaders: false }));
      expect(kinds.some((k) => k === 'TOPIC_AUTHORIZATION_FAILED' || k === 'CLUSTER_AUTHORIZATION_FAILED')).toBe(true);
    } finally {
      await client.disconnect();
    }
  });

  it('a client without credentials is disconnected', async () => {
    const producer = new Kafka({ clientId: 'acl-anonymous', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    // The broker answers ApiVersions before authentication, so connect() succeeds; the first real request does not.
    const send = async () => {
      await producer.connect();
      await producer.send({ topic: physical(TOPICS.hubInbound), messages: [{ value: 'anonymous' }] });
    };
    try {
      expect(await refusal(send())).toContain('KafkaJSConnectionClosedError');
    } finally {
      await producer.disconnect();
    }
  });

  it('a wrong password is refused', async () => {
    const producer = rawClient({ ...school, password: `${school.password}x` }).producer();
    expect(await refusal(producer.connect())).toContain('KafkaJSSASLAuthenticationError');
  });
});
