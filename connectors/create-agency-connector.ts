import type { KeyRing } from '../adapters/crypto/key-ring.js';
import type { AgencyRecord } from '../core/ports/keys.js';
import type { Connector, ConnectorBaseOptions } from './shared/create-connector.js';
import { FhirPushConfigError, type FhirPushSettings, type FhirPushTarget } from './hospital/fhir/fhir-push.js';
import type { FhirTaskStore } from './hospital/fhir/fhir-task-store.js';
import { createHospitalConnector } from './hospital/hospital-connector.js';
import { createPublicSafetyConnector } from './public-safety/public-safety-connector.js';
import { createSchoolConnector } from './school/school-connector.js';

export type ConnectorKind = 'school' | 'hospital' | 'counselling-centre' | 'public-safety';

export function isConnectorKind(value: string): value is ConnectorKind {
  return value === 'school' || value === 'hospital' || value === 'counselling-centre' || value === 'public-safety';
}

/** Builds the right connector for an agency from its directory entry; used embedded and as a separate process. */
export async function createAgencyConnector(
  options: Omit<ConnectorBaseOptions, 'agencyId'> & {
    agency: AgencyRecord;
    keyRing: KeyRing;
    /** The FHIR Tasks a hospital or counselling centre connector serves (its own store). */
    fhirTasks?: (agencyId: string) => FhirTaskStore;
    /** Where a hospital or counselling centre connector pushes its Tasks; omitted means the EHR only pulls. */
    fhirPush?: FhirPushTarget;
    fhirPushSettings?: FhirPushSettings;
  },
): Promise<Connector> {
  const { agency, keyRing, fhirTasks, fhirPush, fhirPushSettings, ...rest } = options;
  const base: ConnectorBaseOptions = { ...rest, agencyId: agency.id };
  // Only the FHIR connectors push; a target configured for another agency is a mistake worth stopping for.
  if (fhirPush && agency.type !== 'hospital' && agency.type !== 'counselling-centre')
    throw new FhirPushConfigError(`fhirPush.${agency.id}`, `a ${agency.type} connector does not push FHIR`);
  switch (agency.type) {
    case 'hospital':
    case 'counselling-centre':
      if (!fhirTasks) throw new Error('A hospital connector needs a store for its FHIR Tasks.');
      return createHospitalConnector({ ...base, signer: await keyRing.signer(agency.id), fhirTasks: fhirTasks(agency.id), fhirPush, fhirPushSettings });
    case 'school':
      return createSchoolConnector({ ...base, signer: await keyRing.signer(agency.id) });
    case 'public-safety':
      return createPublicSafetyConnector({ ...base, signer: await keyRing.signer(agency.id) });
    default:
      throw new Error(`No connector exists for agencies of type ${agency.type}.`);
  }
}
