import type { Reference } from '@medplum/fhirtypes';

// Relative (`ServiceRequest/<id>`) or absolute on any base, optionally version-specific; the id follows FHIR's id rule.
const SERVICE_REQUEST = /^(?:[a-z][a-z0-9+.-]*:\/\/[^?#\s]*\/)?ServiceRequest\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[A-Za-z0-9.-]{1,64})?$/;

/** The referral a reference names: every report names its referral by the ServiceRequest the connector served. */
export function serviceRequestIdOf(reference: Reference | undefined): string | undefined {
  return reference?.reference ? SERVICE_REQUEST.exec(reference.reference)?.[1] : undefined;
}

/** The distinct referral ids a list of references names, in order. */
export function serviceRequestIdsOf(references: ReadonlyArray<Reference | undefined>): string[] {
  return [...new Set(references.map(serviceRequestIdOf).filter((id): id is string => id !== undefined))];
}
