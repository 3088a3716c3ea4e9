import type { TestProject } from 'vitest/node';
import { startKafkaBroker } from './kafka-broker.js';
import { startPostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
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
  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('databaseUrl', postgres.url);
  return async () => {
    await Promise.all([kafka.stop(), postgres.stop()]);
  };
}
