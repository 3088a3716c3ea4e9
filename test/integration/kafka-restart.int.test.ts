import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../../gateway/create-hub.js';
import { startKafkaBroker } from '../harness/kafka-broker.js';
import { eventually, gql, tokenFor, enrolStudents } from '../support/hub-client.js';
import { referralInput } from '../support/referral-fixtures.js';

const CREATE = 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }';

/** A broker of its own: restarting the suite's shared one would cut every other test's consumers. */
it('the Kafka broker restarting under the hub: referrals sent meanwhile are kept and delivered once it is back, and the hub never stops answering', async () => {
  const broker = await startKafkaBroker();
  const keys = new Map<string, string>();
  const hub = await createHub({
    kafkaBrokers: broker.brokers,
    kafkaSasl: broker.sasl,
    kafkaNamespace: `k${randomUUID().slice(0, 8)}.`,
    embedConnectors: true,
    relayIntervalMs: 200,
    retentionIntervalMs: 0,
    deadlineCheckIntervalMs: 0,
    logger: createLogger({ name: 'kafka-restart', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    onConnectorKeyCreated: (id, key) => void keys.set(id, key),
  });
  const taskAtHospital = async (id: string) =>
    (
      await hub.fetch(
        new Request(`http://hub/connectors/hospital-kangning/fhir/r4/Task/${id}`, { headers: { authorization: `Bearer ${keys.get('hospital-kangning')}` } }),
      )
    ).status === 200;
  try {
    const teacher = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher');
    const students = ['subj-kr-1', 'subj-kr-2', 'subj-kr-3'];
    await enrolStudents(hub.sql, students);
    const send = async (subjectId: string) => {
      const r = await gql<{ createReferral: { id: string } }>(hub.fetch, teacher, CREATE, { i: referralInput({ subjectId }) });
      expect(r.errors).toBeUndefined();
      return r.data!.createReferral.id;
    };
    const before = await send(students[0]!);
    await eventually(() => taskAtHospital(before), { what: 'the first referral at the hospital' });

    const restarting = broker.restart(3000);
    await new Promise((r) => setTimeout(r, 500));
    // The broker is down: the school's send is still accepted (the outbox holds it), and the hub still answers.
    const during = await send(students[1]!);
    expect((await hub.fetch(new Request('http://hub/health'))).status).toBe(200);
    await restarting;
    const after = await send(students[2]!);

    await eventually(async () => (await taskAtHospital(during)) && (await taskAtHospital(after)), {
      what: 'the referrals sent during and after the restart at the hospital',
      timeoutMs: 90_000,
    });
  } finally {
    await hub.stop();
    await broker.stop();
  }
}, 240_000);
