import type { AgencyType } from './ports/policy-engine.js';
import type { SubjectRecord } from './ports/directory.js';

/**
 * The agencies and pseudonymous students a development hub starts with (README "Seeded agencies").
 * Invented for development; no real person or school stands behind any of them.
 */
export const HUB_AGENCY_ID = 'careloop-hub';

export const SEED_AGENCIES: ReadonlyArray<{ id: string; type: AgencyType | 'hub'; name: string; districtId?: string }> = [
  { id: HUB_AGENCY_ID, type: 'hub', name: 'Careloop hub' },
  { id: 'school-east', type: 'school', name: 'East Lake Junior Middle School', districtId: 'haishu' },
  { id: 'school-west', type: 'school', name: 'West Hill Senior High School', districtId: 'yinzhou' },
  { id: 'hospital-kangning', type: 'hospital', name: 'Municipal Kangning Mental Health Centre' },
  { id: 'hospital-seventh', type: 'hospital', name: "Municipal Seventh People's Hospital" },
  { id: 'centre-haishu', type: 'counselling-centre', name: 'Haishu Youth Growth Guidance Centre', districtId: 'haishu' },
  { id: 'police-haishu', type: 'public-safety', name: 'Haishu Public Security Sub-bureau', districtId: 'haishu' },
  { id: 'bureau-haishu', type: 'education-bureau', name: 'Haishu District Education Bureau', districtId: 'haishu' },
  { id: 'bureau-yinzhou', type: 'education-bureau', name: 'Yinzhou District Education Bureau', districtId: 'yinzhou' },
];

export const SEED_SUBJECTS: ReadonlyArray<SubjectRecord> = [
  { id: 'subj-7k2m9q', schoolAgencyId: 'school-east', grade: 7, localRef: 'E2025-0113' },
  { id: 'subj-3x8w1p', schoolAgencyId: 'school-east', grade: 8, localRef: 'E2024-0427' },
  { id: 'subj-9d4t6r', schoolAgencyId: 'school-east', grade: 9, localRef: 'E2023-0302' },
  { id: 'subj-5h1n8v', schoolAgencyId: 'school-west', grade: 10, localRef: 'W2025-0051' },
  { id: 'subj-2c7j4b', schoolAgencyId: 'school-west', grade: 11, localRef: 'W2024-0218' },
];
