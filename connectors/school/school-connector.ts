import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';
import { mapReferralEventForSchool } from './referral-mapping.js';

/** The school connector: delivers what the hub tells the school (per capability mapping) through its inbox. */
export function createSchoolConnector(options: ConnectorBaseOptions) {
  return createConnector({ ...options, kind: 'school', mapInbound: mapReferralEventForSchool });
}
