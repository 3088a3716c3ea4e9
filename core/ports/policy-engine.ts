/**
 * The policy engine port. Every disclosure and every state change the hub performs is decided here, by the
 * Rego policies in `policies/`, never by an `if` in TypeScript.
 */

export type AgencyType = 'school' | 'hospital' | 'counselling-centre' | 'public-safety' | 'education-bureau';

/** Who is asking: a person signed in through an agency token, or an agency system that signed a bus event. */
export interface Principal {
  agencyId: string;
  agencyType: AgencyType;
  /** e.g. `psychology-teacher`, `hospital-liaison`, `police-analyst`, or `system` for a connector. */
  role: string;
  userId: string;
  /** The district of the principal's agency, from the hub's directory (never from the token). */
  districtId?: string | null;
}

/**
 * The policy actions the hub knows, mirrored in `policies/careloop/authz`. A referral transition is
 * `referral.<action>` with the state-machine action in kebab case (`referral.record-no-show`).
 */
export type PolicyAction =
  | 'subject.list'
  | 'subject.read'
  | 'subject.read-access-log'
  | 'subject.read-access-entry'
  | 'referral.list'
  | 'referral.create'
  | 'referral.read'
  | 'referral.counters'
  | `referral.${string}`
  | `warning.${string}`
  | `signal.${string}`
  | `enrolment.${string}`
  | `consent.${string}`
  | `emergency.${string}`;

/** A state-machine action as the policy names it: `ADOPT_PLAN` of `warning` → `warning.adopt-plan`. */
export function policyActionOf<C extends 'referral' | 'warning'>(capability: C, action: string): `${C}.${string}` {
  return `${capability}.${action.toLowerCase().replaceAll('_', '-')}`;
}

/**
 * Why data is processed (PIPL Art. 6): the green-channel referral, the school's warning list (statutory duty),
 * police signals and the school's reports to the police, or keeping the enrolment register.
 */
export type PolicyPurpose = 'referral' | 'warning' | 'signal' | 'enrolment' | 'consent' | 'emergency';

/**
 * Attributes of the object the action is about; only what the rules need, never clinical text. `subjectId` (the
 * child's pseudonym) is carried for the audit trail ("who saw this child's data") and for matching relationships
 * to the child; rules compare it and never read its content.
 */
export type PolicyResource = { subjectId?: string } & (
  | { type: 'subject'; schoolAgencyId: string }
  | {
      type: 'referral';
      schoolAgencyId: string;
      hospitalAgencyId: string;
      /** The agency type of `hospitalAgencyId` as the hub's directory knows it. */
      hospitalAgencyType: AgencyType | 'unknown';
      /** The school the subject is enrolled in, as the hub's directory knows it. */
      subjectSchoolAgencyId: string;
      /** The district of the referring school (the bureau that oversees it). */
      schoolDistrictId: string;
      channel: string;
      /** The written notice to the guardians is on record (date, channel, who gave it). */
      guardianNoticeRecorded: boolean;
      /** The crisis-assessment group's category (2 or 3), 0 when none is recorded. */
      assessmentCategory: number;
      /** The group decided the case exceeds what the school can handle. */
      exceedsSchoolCapacity: boolean;
      /** A deadline breach is open (the referral has not moved since). */
      overdue: boolean;
      state?: string;
      /** For a transfer: the type of the agency the referral would move to. */
      transferToAgencyType?: AgencyType | 'unknown';
      /** For scheduling: the appointment is one of the recipient's published counselling slots. */
      slotBooking?: boolean;
    }
  | {
      /** A provider's counselling slots (publishing, listing, removing one). */
      type: 'counselling-slots';
      providerAgencyId: string;
      /** The provider's agency type as the hub's directory knows it. */
      providerAgencyType: AgencyType | 'unknown';
    }
  | { type: 'district'; districtId: string }
  | {
      /** A student's entry on a school's key-student warning list. */
      type: 'warning';
      schoolAgencyId: string;
      schoolDistrictId: string;
      state: string;
      /** The school's written status notice to the guardians is on record (R19). */
      guardianNoticeRecorded?: boolean;
    }
  | {
      /** A crisis assessment: proposed by a staff member, decided by the school's crisis-assessment group. */
      type: 'warning-assessment';
      schoolAgencyId: string;
      proposedBy: string;
      state: string;
    }
  | {
      /** A batch of screening results a school's system imports for the school's students. */
      type: 'screening-import';
      schoolAgencyId: string;
    }
  | {
      /** A student's screening results in the record of the school they are enrolled in. */
      type: 'screening-record';
      schoolAgencyId: string;
    }
  | {
      /** A home visit or weekly meeting owed to a student: whose school, whose task (empty: the psychology staff). */
      type: 'care-task';
      schoolAgencyId: string;
      assigneeUserId: string;
    }
  | {
      /** The "handle with care" flag on a student, for the people assigned to the student. */
      type: 'care-flag';
      schoolAgencyId: string;
    }
  | {
      /** A police signal about a child: whose, where it was routed, how grave, where it stands. */
      type: 'signal';
      policeAgencyId: string;
      policeDistrictId: string;
      /** Empty while no enrolled child matches. */
      schoolAgencyId: string;
      schoolDistrictId: string;
      category: string;
      severity: string;
      state: string;
      escalated: boolean;
      /** For opening the police note: the lawful basis the school declares. */
      noteBasis?: string;
    }
  | { /** A police bureau's system raising signals. */ type: 'signal-intake'; policeAgencyId: string }
  | {
      /** A school's report of a crisis or suspected harm to its police liaison. */
      type: 'school-report';
      schoolAgencyId: string;
      schoolDistrictId: string;
      policeAgencyId: string;
      policeDistrictId: string;
    }
  | { /** A school system's changes to its enrolment register. */ type: 'enrolment'; schoolAgencyId: string }
  | {
      /** One entry of a child's access log: what it records, to decide who may read it and how much. */
      type: 'access-entry';
      schoolAgencyId: string;
      entryAction: string;
      allowed: boolean;
    }
  | {
      /** A declared emergency about a child (break-glass), reviewed by the bureau of the school's district. */
      type: 'emergency';
      schoolAgencyId: string;
      schoolDistrictId: string;
    }
  | {
      /** A guardian's consent about a child, or the child's guardians (linking, concerns). */
      type: 'consent';
      /** The school the child is enrolled at. */
      schoolAgencyId: string;
      /** The guardian the consent is from, or the link is about; empty for the child's list. */
      guardianUserId: string;
      /** Who recorded the consent (the guardian, or a school staff member from a signed form). */
      recordedBy?: string;
    }
  | {
      /** A guardian's link to a child, with any suspicion of harm recorded about the guardian. */
      type: 'guardian-link';
      schoolAgencyId: string;
      guardianUserId: string;
    }
  | {
      type: 'collection';
      of: 'subject' | 'referral' | 'warning' | 'warning-assessment' | 'care-task' | 'care-flag' | 'signal' | 'school-report' | 'emergency' | 'guardian-link';
    }
);

export interface PolicyInput {
  principal: Principal | null;
  action: PolicyAction;
  resource: PolicyResource;
  /** Why the data is processed (PIPL Art. 6 purpose limitation). */
  purpose: PolicyPurpose;
  /** Guardian consents that apply to this subject; filled by the consent issue, empty today. */
  consents: unknown[];
  /** Relationships between principal and subject (enrolment, care team); filled later, empty today. */
  relationships: unknown[];
  /** A declared emergency (break-glass, PIPL Art. 13(4)); set by the consent issue's emergency flow, absent today. */
  emergency?: boolean;
}

export interface PolicyDecision {
  allow: boolean;
  /**
   * When `allow` is false: true if the caller may not even learn that the resource exists, in which case the
   * hub answers NOT_FOUND exactly as for a missing resource; false means FORBIDDEN.
   */
  conceal: boolean;
  /** The fields of the resource the caller may see (least data, PIPL Art. 6). Empty when denied. */
  fields: string[];
  /** Human-readable reasons for a denial, for the audit log and for explanations. No personal data. */
  reasons: string[];
  /** The lawful basis an allowed decision rests on (`consent`, `statutory-duty`, `emergency`); "" when denied. */
  basis: string;
  /**
   * What the hub must do when it acts on an allowed decision: `audit`, `require-justification`, `notify-guardian`,
   * `review`. Empty when denied.
   */
  obligations: string[];
}

export interface PolicyEngine {
  decide(input: PolicyInput): Promise<PolicyDecision>;
  /** Which compiled policy decided (a digest of it), recorded with every audited decision. */
  readonly version?: string;
}
