import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SEED_AGENCIES } from '../core/development-seed.js';
import { CONFIG_VARIABLES } from '../gateway/config.js';

/** There is no Docker engine here, so the deployment is checked by reading it: the wiring must match the code. */
type Service = { command?: string[]; environment?: Record<string, string | number>; depends_on?: Record<string, { condition: string }>; volumes?: string[]; image?: string; build?: string };
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const connectors = ['hospital-connector', 'school-connector', 'public-safety-connector'];
const appServices = ['gateway', ...connectors];

describe('docker-compose.yml', () => {
  it('runs Kafka, PostgreSQL, the gateway and the three connectors as separate services', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'hospital-connector', 'kafka', 'postgres', 'public-safety-connector', 'school-connector']);
    expect(services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  it('sets only environment variables the hub and connectors actually read', () => {
    for (const name of appServices) {
      for (const key of Object.keys(services[name]?.environment ?? {})) expect(CONFIG_VARIABLES, `${name}: ${key}`).toContain(key);
    }
  });

  it('points every app service at the Kafka listener the broker advertises', () => {
    const advertised = String(services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS).replace('PLAINTEXT://', '');
    for (const name of appServices) expect(services[name]?.environment?.KAFKA_BROKERS, name).toBe(advertised);
  });

  it('gives the gateway the PostgreSQL service and each connector a database of its own', () => {
    const urls = appServices.map((name) => new URL(String(services[name]?.environment?.DATABASE_URL)));
    for (const url of urls) expect(url.hostname).toBe('postgres');
    expect(new Set(urls.map((u) => u.pathname)).size).toBe(appServices.length);
    const init = readFileSync(new URL('../scripts/compose/create-connector-databases.sql', import.meta.url), 'utf8');
    for (const url of urls.slice(1)) expect(init).toContain(`CREATE DATABASE ${url.pathname.slice(1)};`);
  });

  it('runs the gateway without embedded connectors and each connector for a seeded agency of its kind', () => {
    expect(services.gateway?.environment?.CONNECTORS).toBe('none');
    expect(services.gateway?.command).toEqual(['npm', 'start']);
    for (const name of connectors) {
      const command = services[name]?.command ?? [];
      const kind = command[4];
      const agency = SEED_AGENCIES.find((a) => a.id === command[6]);
      expect(command.slice(0, 4)).toEqual(['npm', 'run', 'start:connector', '--']);
      expect(agency?.type, name).toBe(kind);
      expect(services[name]?.depends_on?.gateway?.condition).toBe('service_healthy');
    }
  });

  it('shares one keys volume, mounted where KEYS_DIR says', () => {
    for (const name of appServices) {
      expect(services[name]?.volumes).toContain(`keys:${services[name]?.environment?.KEYS_DIR}`);
    }
  });
});
