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

/**
 * Seals short values (a resident identity number, a police note) into a JWE that only one agency can open: how a
 * connector carries what the hub may use but must never see in clear on the bus or at rest. `purpose` is bound
 * into the protected header, so an envelope made for one field does not open as another.
 */
export interface EnvelopeSealer {
  seal(plain: string, purpose: string): Promise<string>;
}

/**
 * Opens envelopes sealed to this agency's encryption key; throws MALFORMED_EVENT when one does not open. An envelope
 * longer than `maxChars` (default 16 kB: a number or a note) is refused unopened; a batch's caller names its own.
 */
export interface EnvelopeOpener {
  open(envelope: string, purpose: string, options?: { maxChars?: number }): Promise<string>;
}
