import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { Kafka, logLevel, type AclEntry } from 'kafkajs';
import { freePort } from './free-port.js';
import { reapOnExit } from './reap-on-exit.js';

// kafkajs is CommonJS: Node's ESM loader (tsx, the benchmark) only sees these enums on the default export.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The pinned broker version, read from the pom that fetches it (one source of truth). */
export const KAFKA_VERSION = /<kafka\.version>(.+)<\/kafka\.version>/.exec(readFileSync(join(REPO, 'scripts/kafka/pom.xml'), 'utf8'))?.[1] ?? '';

/**
 * SCRAM credentials in the shape kafkajs takes them (`new Kafka({ sasl })`). Hand kafkajs a copy: it stores its
 * authentication provider (a function) on the object it was given, which then no longer structured-clones
 * (vitest's `provide` refuses it) and is shared between clients.
 */
export interface KafkaSasl {
  mechanism: 'scram-sha-256';
  username: string;
  password: string;
}

/** What a client needs to reach the broker: the bootstrap list and who it authenticates as. */
export interface KafkaAccess {
  brokers: string[];
  sasl: KafkaSasl;
}

export interface KafkaBroker extends KafkaAccess {
  /** The super user (the hub and test/admin tooling): bypasses ACLs. */
  sasl: KafkaSasl;
  stop(): Promise<void>;
  /** Stops the broker (a clean shutdown), keeps it down for `downForMs`, starts it again on the same port and log. */
  restart(downForMs?: number): Promise<void>;
}

/** The broker's only mechanism; the StorageTool and ConfigCommand spell it in upper case. */
const SCRAM = 'SCRAM-SHA-256';
const ADMIN_USER = 'admin';
/** The minimum Kafka accepts for SCRAM-SHA-256; more only slows every connect of the test clients. */
const SCRAM_ITERATIONS = 4096;
/** Hex only: ConfigCommand and StorageTool parse `[name=...,password=...]`, where `,`, `=`, `]` would break. */
const secret = () => randomBytes(16).toString('hex');
const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

async function waitUntilReady(access: KafkaAccess, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'harness-probe',
    brokers: access.brokers,
    sasl: { ...access.sasl },
    ssl: false,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
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

const LIB = join(REPO, '.cache/kafka', KAFKA_VERSION, 'lib');

async function assertJavaAndJars(): Promise<void> {
  if (!existsSync(LIB) || !(await readdir(LIB)).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(`Kafka ${KAFKA_VERSION} jars are missing in ${LIB}: run bash scripts/ensure-kafka.sh (npm test does).`);
  }
  if (spawnSync('java', ['-version']).status !== 0) throw new Error('Java 17 is needed to run the Kafka test broker.');
}

const log4jConfig = (file: string) =>
  writeFile(
    file,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ].join('\n'),
  );

/** JAAS line for a SCRAM client (the broker itself, for inter-broker connections, or a Kafka CLI tool). */
const scramJaas = (user: string, password: string) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;

/**
 * Starts a real single-node KRaft Kafka broker on loopback from the jars scripts/ensure-kafka.sh fetched, and
 * resolves once it accepts topics. Fails loudly, never skips, when Java or the jars are missing.
 *
 * Clients must authenticate with SASL/SCRAM-SHA-256 and are authorized by ACLs (StandardAuthorizer, deny when
 * no ACL matches). The returned `sasl` is a super user. `users` are extra SCRAM users written into the metadata
 * log at format time (no extra JVM); users created later go through {@link createScramUser}.
 */
export async function startKafkaBroker(options: { timeoutMs?: number; users?: Array<{ username: string; password: string }> } = {}): Promise<KafkaBroker> {
  await assertJavaAndJars();
  const admin: KafkaSasl = { mechanism: 'scram-sha-256', username: ADMIN_USER, password: secret() };
  for (const u of options.users ?? []) {
    if (!SAFE_NAME.test(u.username) || !SAFE_NAME.test(u.password)) throw new Error(`SCRAM user names and passwords must match ${SAFE_NAME}: ${u.username}`);
  }

  const dir = await mkdtemp(join(tmpdir(), 'careloop-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const config = join(dir, 'server.properties');
  await writeFile(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      // Clients (and the broker talking to itself) authenticate with SCRAM; the controller listener stays
      // PLAINTEXT on loopback, so the broker reaches its controller as User:ANONYMOUS (a super user below).
      `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'inter.broker.listener.name=SASL_PLAINTEXT',
      `sasl.enabled.mechanisms=${SCRAM}`,
      `sasl.mechanism.inter.broker.protocol=${SCRAM}`,
      `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${scramJaas(admin.username, admin.password)}`,
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      `super.users=User:${admin.username};User:ANONYMOUS`,
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
  await log4jConfig(join(dir, 'log4j.properties'));

  const classpath = `${LIB}/*`;
  const jvm = ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', classpath];
  // SCRAM credentials live in the KRaft metadata log: the super user must be there before the broker starts.
  const scram = [admin, ...(options.users ?? [])].flatMap((u) => [
    '--add-scram',
    `${SCRAM}=[name=${u.username},iterations=${SCRAM_ITERATIONS},password=${u.password}]`,
  ]);
  const format = spawnSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', randomUUID().replace(/-/g, '').slice(0, 22), '-c', config, ...scram], {
    encoding: 'utf8',
  });
  if (format.status !== 0) throw new Error(`Formatting Kafka storage failed:\n${format.stdout}\n${format.stderr}`);

  const logFile = join(dir, 'broker.log');
  const out = openSync(logFile, 'a');
  const launch = () => spawn('java', [...jvm, 'kafka.Kafka', config], { stdio: ['ignore', out, out] });
  let child = launch();
  const brokers = [`127.0.0.1:${port}`];
  const halt = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const forgetReap = reapOnExit(() => child, dir);
  const stop = async () => {
    await halt();
    await rm(dir, { recursive: true, force: true });
    forgetReap();
  };
  try {
    await waitUntilReady({ brokers, sasl: admin }, child, logFile, options.timeoutMs ?? 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    brokers,
    sasl: { ...admin },
    stop,
    async restart(downForMs = 0) {
      await halt();
      await new Promise((r) => setTimeout(r, downForMs));
      child = launch();
      await waitUntilReady({ brokers, sasl: admin }, child, logFile, options.timeoutMs ?? 120_000);
    },
  };
}

function runJava(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Retries `attempt` until it resolves or `timeoutMs` passed; metadata (users, ACLs) reaches the broker a moment after the controller commits it. */
async function eventually<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Creates (or replaces the password of) a SCRAM-SHA-256 user on the running broker, as the super user in
 * `admin`, and resolves once that user can authenticate. kafkajs has no AlterUserScramCredentials, so this runs
 * Kafka's own ConfigCommand (one short JVM, ~2 s) from the fetched jars.
 */
export async function createScramUser(admin: KafkaAccess, user: { username: string; password: string }): Promise<KafkaSasl> {
  if (!SAFE_NAME.test(user.username) || !SAFE_NAME.test(user.password))
    throw new Error(`SCRAM user names and passwords must match ${SAFE_NAME}: ${user.username}`);
  await assertJavaAndJars();
  const dir = await mkdtemp(join(tmpdir(), 'careloop-kafka-cli-'));
  try {
    const clientConfig = join(dir, 'admin.properties');
    await writeFile(
      clientConfig,
      ['security.protocol=SASL_PLAINTEXT', `sasl.mechanism=${SCRAM}`, `sasl.jaas.config=${scramJaas(admin.sasl.username, admin.sasl.password)}`].join('\n'),
    );
    await log4jConfig(join(dir, 'log4j.properties'));
    const { code, output } = await runJava([
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
      '-cp',
      `${LIB}/*`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      admin.brokers.join(','),
      '--command-config',
      clientConfig,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      user.username,
      '--add-config',
      `${SCRAM}=[iterations=${SCRAM_ITERATIONS},password=${user.password}]`,
    ]);
    if (code !== 0) throw new Error(`Creating the SCRAM user ${user.username} failed (exit ${code}):\n${output}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const sasl: KafkaSasl = { mechanism: 'scram-sha-256', username: user.username, password: user.password };
  const kafka = new Kafka({
    clientId: 'harness-scram-probe',
    brokers: admin.brokers,
    sasl: { ...sasl },
    ssl: false,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  await eventually(`The SCRAM user ${user.username} could not authenticate`, 15_000, async () => {
    const probe = kafka.admin();
    try {
      await probe.connect();
    } finally {
      await probe.disconnect().catch(() => undefined);
    }
  });
  return sasl;
}

/** The physical (namespaced) resource names one agency's connector uses; see adapters/bus/kafka-event-bus.ts. */
export function connectorResources(agencyId: string, namespace = '') {
  return {
    inbound: `${namespace}careloop.hub.inbound`,
    deadLetter: `${namespace}careloop.dead-letter`,
    agencyTopic: `${namespace}careloop.agency.${agencyId}`,
    group: `${namespace}careloop-connector-${agencyId}`,
  };
}

/**
 * Grants `username` exactly what an agency connector needs: WRITE (and DESCRIBE) on the hub's inbound topic
 * and the dead-letter topic, READ (and DESCRIBE) on its own agency topic, READ on its own consumer group.
 * Nothing on the cluster: no CREATE (the hub creates topics; see ensureTopics) and no IDEMPOTENT_WRITE (since
 * Kafka 2.8 WRITE on a topic is enough for an idempotent producer).
 *
 * Patterns are LITERAL on the namespaced names, deliberately not PREFIXED: a prefix `careloop.agency.a` would
 * also match agency `ab`'s topic `careloop.agency.ab`. Resolves once the broker enforces the new ACLs.
 */
export async function grantConnectorAcls(admin: KafkaAccess, grant: { username: string; agencyId: string; namespace?: string }): Promise<void> {
  const r = connectorResources(grant.agencyId, grant.namespace);
  const principal = `User:${grant.username}`;
  const allow = (resourceType: AclEntry['resourceType'], resourceName: string, operation: AclEntry['operation']): AclEntry => ({
    resourceType,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  const acl: AclEntry[] = [
    ...[r.inbound, r.deadLetter].flatMap((topic) => [
      allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE),
      allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.DESCRIBE),
    ]),
    allow(AclResourceTypes.TOPIC, r.agencyTopic, AclOperationTypes.READ),
    allow(AclResourceTypes.TOPIC, r.agencyTopic, AclOperationTypes.DESCRIBE),
    allow(AclResourceTypes.GROUP, r.group, AclOperationTypes.READ),
  ];
  const kafka = new Kafka({ clientId: 'harness-acl', brokers: admin.brokers, sasl: { ...admin.sasl }, ssl: false, logLevel: logLevel.NOTHING });
  const client = kafka.admin();
  await client.connect();
  try {
    await client.createAcls({ acl });
    // CreateAcls returns once the controller committed them; wait until the broker's authorizer has them too.
    await eventually(`The ACLs of ${principal} were not in force`, 15_000, async () => {
      const described = await client.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal,
        host: '*',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const count = described.resources.reduce((n, res) => n + res.acls.length, 0);
      if (count < acl.length) throw new Error(`${count} of ${acl.length} ACLs visible`);
    });
  } finally {
    await client.disconnect();
  }
}

/**
 * A SCRAM user for one agency's connector, allowed only that agency's topics and group under `namespace`.
 * The user name carries a random suffix so test files sharing the broker never collide.
 */
export async function createAgencyPrincipal(
  admin: KafkaAccess,
  agency: { agencyId: string; namespace?: string; username?: string; password?: string },
): Promise<KafkaSasl> {
  const username = agency.username ?? `connector-${agency.agencyId}-${randomBytes(4).toString('hex')}`;
  const sasl = await createScramUser(admin, { username, password: agency.password ?? secret() });
  await grantConnectorAcls(admin, { username, agencyId: agency.agencyId, namespace: agency.namespace });
  return sasl;
}
