import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HUB_AGENCY_ID, SEED_AGENCIES } from '../core/development-seed.js';
import { CONFIG_VARIABLES } from '../gateway/config.js';

/** There is no Docker engine here, so the deployment is checked by reading it: the wiring must match the code. */
type Service = {
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  image?: string;
  build?: string;
};
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const connectors = ['hospital-connector', 'school-connector', 'public-safety-connector', 'counselling-centre-connector'];
const appServices = ['gateway', ...connectors];
const kafkaStart = readFileSync(new URL('../scripts/compose/kafka-start.sh', import.meta.url), 'utf8');
const kafkaUsers = readFileSync(new URL('../scripts/compose/kafka-users.sh', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
/** What a package script runs after its build step, word by word (`node`, its flags, the bundle). */
const runs = (script: string) => pkg.scripts[script]!.split('&&').at(-1)!.trim().split(/\s+/);
/** A connector's agency: the value after `--agency` in its command. */
const agencyOf = (name: string) => {
  const command = services[name]?.command ?? [];
  return name === 'gateway' ? HUB_AGENCY_ID : String(command[command.indexOf('--agency') + 1]);
};
const privateKeyMounts = (name: string) => (services[name]?.volumes ?? []).filter((v) => v.includes('.private.jwk.json'));

describe('docker-compose.yml', () => {
  it('runs Kafka, its user setup, PostgreSQL, the gateway and the four connectors as separate services', () => {
    expect(Object.keys(services).sort()).toEqual([
      'counselling-centre-connector',
      'gateway',
      'hospital-connector',
      'kafka',
      'kafka-users',
      'postgres',
      'public-safety-connector',
      'school-connector',
    ]);
  });

  it('sets only environment variables the hub and connectors actually read, and runs them in production mode', () => {
    for (const name of appServices) {
      for (const key of Object.keys(services[name]?.environment ?? {})) expect(CONFIG_VARIABLES, `${name}: ${key}`).toContain(key);
      expect(services[name]?.environment?.CARELOOP_MODE, name).toBe('production');
      expect(services[name]?.environment?.AGENCY_DIRECTORY, name).toBeTruthy();
    }
  });

  it('mounts into each service the private key of its own agency and no other', () => {
    for (const name of appServices) {
      const mounts = privateKeyMounts(name);
      expect(mounts, name).toHaveLength(1);
      const [source, target] = (mounts[0] ?? '').split(':');
      expect(source).toBe(`./deploy/keys/${agencyOf(name)}.private.jwk.json`);
      expect(target).toBe(`${services[name]?.environment?.KEYS_DIR}/${agencyOf(name)}.private.jwk.json`);
    }
  });

  it('gives each service data keys of its own', () => {
    const refs = appServices.map((name) => String(services[name]?.environment?.DATA_KEYS));
    expect(new Set(refs).size).toBe(appServices.length);
    for (const ref of refs) expect(ref).toMatch(/^\$\{[A-Z_]+_DATA_KEYS:\?/);
  });

  it('runs Kafka with SCRAM and the authorizer, and each service as its own Kafka user', () => {
    expect(kafkaStart).toContain('authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(kafkaStart).toContain('allow.everyone.if.no.acl.found=false');
    expect(kafkaStart).toMatch(/listeners=SASL_PLAINTEXT:\/\/:9092/);
    expect(services.gateway?.environment?.KAFKA_USERNAME).toBe('hub');
    for (const name of connectors) {
      expect(services[name]?.environment?.KAFKA_USERNAME, name).toBe(agencyOf(name));
      expect(kafkaUsers, name).toMatch(new RegExp(`^connector ${agencyOf(name)} `, 'm'));
    }
  });

  it('points every app service at the broker and gives the gateway and each connector a database of its own', () => {
    for (const name of appServices) expect(services[name]?.environment?.KAFKA_BROKERS, name).toBe('kafka:9092');
    expect(kafkaStart).toContain('advertised.listeners=SASL_PLAINTEXT://kafka:9092');
    const urls = appServices.map((name) => new URL(String(services[name]?.environment?.DATABASE_URL).replace('${POSTGRES_PASSWORD}', 'x')));
    for (const url of urls) expect(url.hostname).toBe('postgres');
    expect(new Set(urls.map((u) => u.pathname)).size).toBe(appServices.length);
    const init = readFileSync(new URL('../scripts/compose/create-connector-databases.sql', import.meta.url), 'utf8');
    for (const url of urls.slice(1)) expect(init).toContain(`CREATE DATABASE ${url.pathname.slice(1)};`);
  });

  it('runs the gateway without embedded connectors and each connector for a seeded agency of its kind', () => {
    expect(services.gateway?.environment?.CONNECTORS).toBe('none');
    // What npm start and npm run start:connector run after building, with node itself so a stop signal reaches it.
    expect(services.gateway?.command).toEqual(runs('start'));
    for (const name of connectors) {
      const command = services[name]?.command ?? [];
      const agency = SEED_AGENCIES.find((a) => a.id === agencyOf(name));
      const connector = runs('start:connector');
      expect(command.slice(0, connector.length)).toEqual(connector);
      expect(agency?.type, name).toBe(command[connector.length]);
      expect(services[name]?.depends_on?.gateway?.condition).toBe('service_healthy');
    }
  });

  it('builds into the image the bundle npm start and start:connector run, and runs it as the package scripts do', () => {
    const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const script of ['start', 'start:connector']) {
      for (const file of pkg.scripts[script]!.match(/scripts\/[\w.-]+/g) ?? []) expect(copied, `${script}: ${file}`).toContain(file);
      for (const entry of pkg.scripts[script]!.match(/dist\/([\w-]+)\.mjs/g) ?? []) {
        expect(copied, entry).toContain(`scripts/${entry.slice('dist/'.length, -'.mjs'.length)}.ts`);
      }
    }
    const build = dockerfile.indexOf('RUN node scripts/build.mjs');
    expect(build).toBeGreaterThan(0);
    expect(build).toBeLessThan(dockerfile.indexOf('USER node'));
    // The containers run exactly what the package scripts run after the build step.
    expect(services.gateway?.command).toEqual(runs('start'));
    expect(dockerfile).toContain(`CMD ${JSON.stringify(runs('start'))}`.replaceAll('","', '", "'));
    for (const name of connectors) expect(services[name]?.command?.slice(0, runs('start:connector').length), name).toEqual(runs('start:connector'));
  });

  it("runs the image's libraries in their production mode", () => {
    const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production$/m);
    expect(dockerfile).toMatch(/^ENV CARELOOP_MODE=production$/m);
  });

  it('gets every secret it requires from npm run deployment:init', () => {
    const composeText = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
    const init = readFileSync(new URL('../scripts/init-deployment.ts', import.meta.url), 'utf8');
    const required = [...new Set([...composeText.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]))];
    expect(required.length).toBeGreaterThan(8);
    for (const name of required) expect(init, name).toContain(`\`${name}=`);
  });
});
