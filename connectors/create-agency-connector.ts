import type { Logger } from 'pino';
import type { KeyRing } from '../adapters/crypto/key-ring.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/ports/event-bus.js';
import type { AgencyDirectory, AgencyRecord } from '../core/ports/keys.js';
import type { ConnectorInbox } from './shared/connector-inbox.js';
import type { Connector } from './shared/create-connector.js';
import { createHospitalConnector } from './hospital/hospital-connector.js';
import { createPublicSafetyConnector } from './public-safety/public-safety-connector.js';
import { createSchoolConnector } from './school/school-connector.js';

export type ConnectorKind = 'school' | 'hospital' | 'public-safety';

export function isConnectorKind(value: string): value is ConnectorKind {
  return value === 'school' || value === 'hospital' || value === 'public-safety';
}

/** Builds the right connector for an agency from its directory entry; used embedded and as a separate process. */
export async function createAgencyConnector(options: {
  agency: AgencyRecord;
  bus: EventBus;
  directory: AgencyDirectory;
  inbox: ConnectorInbox;
  keyRing: KeyRing;
  clock: Clock;
  logger: Logger;
  apiToken?: string;
}): Promise<Connector> {
  const base = { agencyId: options.agency.id, bus: options.bus, directory: options.directory, inbox: options.inbox, clock: options.clock, logger: options.logger, apiToken: options.apiToken };
  switch (options.agency.type) {
    case 'hospital':
      return createHospitalConnector({ ...base, signer: await options.keyRing.signer(options.agency.id) });
    case 'school':
      return createSchoolConnector(base);
    case 'public-safety':
      return createPublicSafetyConnector(base);
    default:
      throw new Error(`No connector exists for agencies of type ${options.agency.type}.`);
  }
}
