import type { TestProject } from 'vitest/node';
import { startKafkaBroker, type KafkaSasl } from './kafka-broker.js';
import { startPostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    /** The broker's super user (SASL/SCRAM-SHA-256); agency connectors get their own users via createAgencyPrincipal. */
    kafkaSasl: KafkaSasl;
    databaseUrl: string;
  }
}

/** One real Kafka broker and one real PostgreSQL server for the integration project, stopped at the end. */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const [kafka, postgres] = await Promise.all([
    startKafkaBroker().then((k) => (console.log(`harness: Kafka ready at ${k.brokers.join(',')} in ${Date.now() - started} ms`), k)),
    startPostgresServer().then((p) => (console.log(`harness: PostgreSQL ready in ${Date.now() - started} ms`), p)),
  ]);
  const stop = async () => {
    await Promise.all([kafka.stop(), postgres.stop()]);
  };
  try {
    project.provide('kafkaBrokers', kafka.brokers);
    project.provide('kafkaSasl', kafka.sasl);
    project.provide('databaseUrl', postgres.url);
  } catch (error) {
    await stop(); // vitest runs no teardown when setup throws: do not leave the servers running
    throw error;
  }
  return stop;
}
