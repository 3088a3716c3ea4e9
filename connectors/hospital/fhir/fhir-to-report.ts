import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { hospitalReportData, type HospitalReportData } from '../../../core/referral/referral-events.js';
import { REPORT_RESOURCE_TYPES } from './capability-statement.js';
import { validateFhirR4 } from './fhir-validator.js';
import { businessRule, FhirInputError, invalidInput, notFound, notSupported } from './operation-outcome.js';
import { referralCandidates, reportBodyOf, type ReportResource } from './resource-report.js';

/** A hospital report as the FHIR layer builds it; the connector adds who proved the call and when. */
export type HospitalReportDraft = Omit<HospitalReportData, 'reportedVia' | 'reportedAt'>;

export interface FhirReportContext {
  /** Whether this connector served the referral (its ServiceRequest/Task). */
  knownReferral(referralId: string): Promise<boolean>;
}

const isReportResource = (resource: Resource): resource is ReportResource => (REPORT_RESOURCE_TYPES as readonly string[]).includes(resource.resourceType);

/** The hub's own rules (text hygiene, lengths, required companions): checked here so a refusal names the resource. */
function checked(draft: HospitalReportDraft, resourceType: string): HospitalReportDraft {
  const parsed = hospitalReportData.safeParse({ ...draft, reportedVia: 'fhir', reportedAt: new Date(0).toISOString() });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw businessRule(`The report does not meet the hub's rules at ${issue?.path.join('.') || 'its root'}: ${issue?.message ?? 'invalid'}.`, [resourceType]);
  }
  const { reportedVia: _via, reportedAt: _at, ...clean } = parsed.data;
  return clean;
}

async function reportOf(resource: Resource, ctx: FhirReportContext): Promise<HospitalReportDraft> {
  if (!isReportResource(resource))
    throw notSupported(`The connector takes no ${resource.resourceType === 'Bundle' ? 'nested Bundle' : 'resource of this type'}.`, ['resourceType']);
  const { ids, path } = referralCandidates(resource);
  if (ids.length === 0) throw notSupported('The resource names no referral (ServiceRequest/<referral id>).', [path]);
  if (ids.length > 1) throw businessRule('The resource names more than one referral.', [path]);
  const referralId = ids[0] as string;
  // A referral this connector did not serve is "not found", the same answer whether it exists elsewhere or not.
  if (!(await ctx.knownReferral(referralId))) throw notFound('No referral of this agency has this id.', [path]);
  return checked({ referralId, ...reportBodyOf(resource) }, resource.resourceType);
}

function entryResource(entry: BundleEntry, index: number): Resource {
  const at = `Bundle.entry[${index}]`;
  const method = entry.request?.method;
  if (method !== undefined && method !== 'POST' && method !== 'PUT')
    throw notSupported('Bundle entries may only create or update a resource.', [`${at}.request.method`]);
  if (!entry.resource) throw invalidInput('The Bundle entry has no resource.', [`${at}.resource`]);
  const id = method === 'PUT' ? /^[A-Za-z]+\/([A-Za-z0-9.-]{1,64})$/.exec(entry.request?.url ?? '')?.[1] : undefined;
  if (method === 'PUT' && (id === undefined || id !== entry.resource.id))
    throw invalidInput('An update must name the resource by its id.', [`${at}.request.url`]);
  return entry.resource;
}

async function reportsOfBundle(bundle: Bundle, ctx: FhirReportContext): Promise<HospitalReportDraft[]> {
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') throw notSupported('Only transaction and batch Bundles are taken.', ['Bundle.type']);
  const entries = bundle.entry ?? [];
  if (entries.length === 0) throw invalidInput('The Bundle has no entries.', ['Bundle.entry']);
  // All or nothing even for a batch: half a set of reports would leave the hospital and the hub disagreeing.
  const drafts: HospitalReportDraft[] = [];
  for (const [index, entry] of entries.entries()) {
    const resource = entryResource(entry, index);
    try {
      drafts.push(await reportOf(resource, ctx));
    } catch (error) {
      throw error instanceof FhirInputError ? error.within(`Bundle.entry[${index}].resource`) : error;
    }
  }
  return drafts;
}

/**
 * What a hospital system's FHIR write reports to the hub: one draft per resource, in Bundle entry order. Throws
 * FhirInputError (400 invalid FHIR, 422 valid but nothing the hub takes, 404 a referral this agency does not
 * have) and never returns part of a Bundle.
 */
export async function reportsFromFhir(input: unknown, ctx: FhirReportContext): Promise<HospitalReportDraft[]> {
  const validation = validateFhirR4(input);
  if (!validation.ok) throw new FhirInputError(400, validation.outcome);
  const resource = validation.resource;
  if (resource.resourceType === 'Bundle') return reportsOfBundle(resource, ctx);
  return [await reportOf(resource, ctx)];
}
