import type { AgencyType } from './policy-engine.js';

/** A JSON Web Key as stored and exchanged; the private parts only ever live with their own agency. */
export type Jwk = Record<string, unknown> & { kid?: string; kty: string };

/** An agency as the hub's directory knows it, with the public keys it signs tokens and events with. */
export interface AgencyRecord {
  id: string;
  type: AgencyType | 'hub';
  name: string;
  /** The district a school, centre or bureau belongs to: bureaus see counters and escalations of theirs only. */
  districtId?: string | null;
  publicKeys: { keys: Jwk[] };
}

/** Looks up agencies and their registered public keys; verification trusts nothing else. */
export interface AgencyDirectory {
  find(agencyId: string): Promise<AgencyRecord | null>;
  list(): Promise<AgencyRecord[]>;
}

/** Signs on behalf of one agency (the connector's own agency, or the hub). */
export interface AgencySigner {
  agencyId: string;
  /** Returns a compact JWS (ES256) over `payload`, with the signing key's `kid` in the protected header. */
  sign(payload: unknown): Promise<string>;
}
