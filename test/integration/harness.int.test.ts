import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

describe('the test harness', () => {
  it('runs a Kafka broker that delivers a produced message to a consumer group', async () => {
    const kafka = new Kafka({
      clientId: 'harness-test',
      brokers: inject('kafkaBrokers'),
      sasl: { ...inject('kafkaSasl') },
      ssl: false,
      logLevel: logLevel.NOTHING,
    });
    const topic = `harness.${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `harness-${randomUUID()}` });
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) }));
    await producer.send({ topic, messages: [{ key: 'k', value: 'hello' }] });
    expect(await received).toBe('hello');
    await Promise.all([producer.disconnect(), consumer.disconnect()]);
  });

  it('runs a PostgreSQL server that answers queries', async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    const [row] = (await client.query<{ version: string }>('select version()')).rows;
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
    await client.query('create temporary table t (n int)');
    await client.query('insert into t values (41), (1)');
    expect((await client.query<{ s: number }>('select sum(n)::int as s from t')).rows[0]?.s).toBe(42);
    await client.end();
  });
});
