import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './free-port.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The pinned broker version, read from the pom that fetches it (one source of truth). */
export const KAFKA_VERSION = /<kafka\.version>(.+)<\/kafka\.version>/.exec(readFileSync(join(REPO, 'scripts/kafka/pom.xml'), 'utf8'))?.[1] ?? '';

export interface KafkaBroker {
  brokers: string[];
  stop(): Promise<void>;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

async function waitUntilReady(brokers: string[], child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'harness-probe', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The Kafka broker exited with code ${child.exitCode}:\n${tail(logFile)}`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      // A topic round trip proves the controller elected a leader, not just that the socket is open.
      const probe = `harness.probe.${randomUUID()}`;
      await admin.createTopics({ topics: [{ topic: probe, numPartitions: 1 }], waitForLeaders: true });
      await admin.deleteTopics({ topics: [probe] });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  throw new Error(`The Kafka broker was not ready within ${timeoutMs} ms (${String(lastError)}):\n${tail(logFile)}`);
}

/**
 * Starts a real single-node KRaft Kafka broker on loopback from the jars scripts/ensure-kafka.sh fetched, and
 * resolves once it accepts topics. Fails loudly, never skips, when Java or the jars are missing.
 */
export async function startKafkaBroker(options: { timeoutMs?: number } = {}): Promise<KafkaBroker> {
  const lib = join(REPO, '.cache/kafka', KAFKA_VERSION, 'lib');
  if (!existsSync(lib) || !(await readdir(lib)).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(`Kafka ${KAFKA_VERSION} jars are missing in ${lib}: run bash scripts/ensure-kafka.sh (npm test does).`);
  }
  if (spawnSync('java', ['-version']).status !== 0) throw new Error('Java 17 is needed to run the Kafka test broker.');

  const dir = await mkdtemp(join(tmpdir(), 'careloop-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const config = join(dir, 'server.properties');
  await writeFile(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'auto.create.topics.enable=true',
      // Single node: without these, consumer groups report "group coordinator not available".
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'delete.topic.enable=true',
    ].join('\n'),
  );
  await writeFile(join(dir, 'log4j.properties'), ['log4j.rootLogger=WARN, stdout', 'log4j.appender.stdout=org.apache.log4j.ConsoleAppender', 'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout', 'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n'].join('\n'));

  const classpath = `${lib}/*`;
  const jvm = ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', classpath];
  const format = spawnSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', randomUUID().replace(/-/g, '').slice(0, 22), '-c', config], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`Formatting Kafka storage failed:\n${format.stdout}\n${format.stderr}`);

  const logFile = join(dir, 'broker.log');
  const out = openSync(logFile, 'a');
  const child = spawn('java', [...jvm, 'kafka.Kafka', config], { stdio: ['ignore', out, out] });
  const brokers = [`127.0.0.1:${port}`];
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(brokers, child, logFile, options.timeoutMs ?? 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { brokers, stop };
}
