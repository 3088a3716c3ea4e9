/**
 * The one registry of Careloop error codes. Client-facing codes travel in GraphQL `extensions.code` and in
 * dead-letter records; they are part of the contract, so a code is never renamed, only added.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: { status: 401, message: 'A valid agency-issued bearer token is required.' },
  FORBIDDEN: { status: 403, message: 'You may not perform this action.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  BAD_USER_INPUT: { status: 400, message: 'The input is not valid.' },
  INVALID_TRANSITION: { status: 409, message: 'The case is not in a state that allows this action.' },
  OPEN_REFERRAL_EXISTS: { status: 409, message: 'The child already has an open referral.' },
  OPEN_WARNING_EXISTS: { status: 409, message: 'The child already has an open assessment or warning entry.' },
  MISSING_EVIDENCE: { status: 409, message: 'This step needs evidence that is not on record yet.' },
  SLOT_UNAVAILABLE: { status: 409, message: "The counselling slot is taken, has started, or is not offered by the referral's recipient." },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than this door accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send application/json.' },
  OPERATION_TOO_COMPLEX: { status: 400, message: 'The operation exceeds a limit on size, depth, aliases, directives or cost.' },
  TOO_MANY_REQUESTS: { status: 429, message: 'Too many failed attempts from this source; try again later.' },
  INVALID_SIGNATURE: { status: 400, message: 'The event signature could not be verified.' },
  WRONG_SIGNER: { status: 400, message: 'The event was not signed by the agency it claims to come from.' },
  MALFORMED_EVENT: { status: 400, message: 'The event does not match its schema.' },
  WRONG_RECIPIENT: { status: 400, message: 'The event is addressed to another agency.' },
  STALE_EVENT: { status: 400, message: 'The event is outside the freshness window.' },
  REPLAYED_EVENT: { status: 400, message: 'The event id was refused before.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The hub could not reach its store; try again shortly.' },
  INTERNAL: { status: 500, message: 'Unexpected error.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Base class of every error the hub raises on purpose. `retriable` tells bus consumers whether trying the same
 * message again can succeed (a lost connection) or never will (a forged signature: poison, dead-letter it).
 */
export class CareloopError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  /** Extra, non-personal detail safe to show the caller (e.g. the offending field name). */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, options: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(message ?? ERROR_CODES[code].message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

export class UnauthenticatedError extends CareloopError {
  constructor(message?: string, options?: { cause?: unknown }) {
    super('UNAUTHENTICATED', message, options);
  }
}

export class ForbiddenError extends CareloopError {
  constructor(message?: string, details?: Record<string, unknown>) {
    super('FORBIDDEN', message, { details });
  }
}

/** Raised for missing resources and for resources the caller may not learn exist; the two are indistinguishable. */
export class NotFoundError extends CareloopError {
  constructor(resourceType: string) {
    super('NOT_FOUND', `No such ${resourceType}.`, { details: { resourceType } });
  }
}

export class BadUserInputError extends CareloopError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('BAD_USER_INPUT', message, { details });
  }
}

/** A body read as a stream (an import) went past its door's limit part-way: what was read before it stands. */
export class PayloadTooLargeError extends CareloopError {
  constructor(details?: Record<string, unknown>) {
    super('PAYLOAD_TOO_LARGE', undefined, { details });
  }
}

export class InvalidTransitionError extends CareloopError {
  constructor(from: string, action: string, what = 'referral') {
    super('INVALID_TRANSITION', `A ${what} in state ${from} does not allow ${action}.`, { details: { from, action } });
  }
}

export class OpenReferralExistsError extends CareloopError {
  constructor() {
    super('OPEN_REFERRAL_EXISTS');
  }
}

/** One open assessment or warning entry per child: a second proposal joins the case already open. */
export class OpenWarningExistsError extends CareloopError {
  constructor() {
    super('OPEN_WARNING_EXISTS');
  }
}

/** A step the state machine allows but whose evidence (e.g. the recovery certificate) is missing. */
export class MissingEvidenceError extends CareloopError {
  constructor(evidence: string) {
    super('MISSING_EVIDENCE', `This step needs ${evidence} on record first.`, { details: { evidence } });
  }
}

/**
 * A counselling slot that cannot be booked (or removed): taken, started, or another provider's. One answer for
 * all of them; slots hold no personal data, but a booking reveals nothing of who took it.
 */
export class SlotUnavailableError extends CareloopError {
  constructor(message?: string) {
    super('SLOT_UNAVAILABLE', message);
  }
}

export class InvalidSignatureError extends CareloopError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_SIGNATURE', message, options);
  }
}

export class WrongSignerError extends CareloopError {
  constructor(message: string) {
    super('WRONG_SIGNER', message);
  }
}

export class MalformedEventError extends CareloopError {
  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super('MALFORMED_EVENT', message, options);
  }
}

export class WrongRecipientError extends CareloopError {
  constructor(message: string) {
    super('WRONG_RECIPIENT', message);
  }
}

export class StaleEventError extends CareloopError {
  constructor(message: string) {
    super('STALE_EVENT', message);
  }
}

export class ReplayedEventError extends CareloopError {
  constructor() {
    super('REPLAYED_EVENT');
  }
}

/**
 * The store is unreachable (a restart, a failover). Retriable: an interrupted transaction was rolled back, or, if
 * the connection dropped during COMMIT, may have landed; every change the hub makes is safe to ask for again
 * (a duplicate referral is OPEN_REFERRAL_EXISTS, a repeated step INVALID_TRANSITION).
 */
export class ServiceUnavailableError extends CareloopError {
  constructor(options?: { cause?: unknown }) {
    super('SERVICE_UNAVAILABLE', undefined, { ...options, retriable: true });
  }
}

/** The JSON body every non-GraphQL door answers an error with; same codes and statuses as GraphQL errors. */
export function httpErrorBody(code: ErrorCode, message?: string, details: Record<string, unknown> = {}) {
  return { error: { code, message: message ?? ERROR_CODES[code].message, ...details } };
}

/** True for errors that say something useful to the caller; everything else is masked as INTERNAL. */
export function isCareloopError(error: unknown): error is CareloopError {
  return error instanceof CareloopError;
}
