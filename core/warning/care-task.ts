/** The four signs that require a home visit at once (R13). */
export const OBSERVATION_TRIGGERS = ['LATE_OR_ABSENT', 'UNUSUAL_EMOTION', 'FAMILY_UPHEAVAL', 'GRADE_DROP'] as const;
export type ObservationTrigger = (typeof OBSERVATION_TRIGGERS)[number];

export type CarerRole = 'MENTOR' | 'CLASS_TEACHER';

/** A mentor or class teacher assigned to a student (R11). */
export interface StudentCarer {
  schoolAgencyId: string;
  subjectId: string;
  userId: string;
  role: CarerRole;
  assignedAt: Date;
}

/** What a staff member saw, on the daily observation form or as a peer observer's report (R09-R10). */
export interface Observation {
  id: string;
  schoolAgencyId: string;
  subjectId: string;
  observerUserId: string;
  observerKind: 'STAFF' | 'PEER';
  triggers: ObservationTrigger[];
  /** Sealed at rest. */
  note: string;
  observedAt: Date;
  recordedAt: Date;
}

export type CareTaskKind = 'HOME_VISIT' | 'WEEKLY_MEETING';

/** Work owed to a student, with a due date: a home visit, the psychology teacher's weekly meeting. */
export interface CareTask {
  id: string;
  schoolAgencyId: string;
  subjectId: string;
  kind: CareTaskKind;
  /** Why the task exists: a trigger (`LATE_OR_ABSENT`, ...) or a cadence (`LISTED`, `WEEKLY`). */
  cause: string;
  warningId: string | null;
  observationId: string | null;
  /** Whose task it is; null means the school's psychology staff. */
  assigneeUserId: string | null;
  dueAt: Date;
  createdAt: Date;
  doneAt: Date | null;
  doneBy: string | null;
  /** Sealed at rest. */
  outcome: string | null;
  overdueRaisedAt: Date | null;
}

/** The cadences, configurable, with defaults from the bureaus' documents (README "Care tasks and cadences"). */
export interface CarePolicy {
  /** The psychology teacher meets each listed student this often (R21: weekly). */
  weeklyMeetingDays: number;
  /** Every listed student gets an in-person home visit within this many days of being listed (R30). */
  listedHomeVisitDays: number;
  /** A trigger's home visit is due this many hours after the observation (R13: at once). */
  triggerVisitHours: number;
  /** The terms (month-day of each start, the first starting the school year), for the termly and yearly cadences. */
  termStarts: string[];
  /** Mentors a class should have at least (R11: about one per 15 students, at least three per class). */
  mentorsPerClass: number;
}

export const DEFAULT_CARE_POLICY: CarePolicy = {
  weeklyMeetingDays: 7,
  listedHomeVisitDays: 7,
  triggerVisitHours: 0,
  termStarts: ['09-01', '02-20'],
  mentorsPerClass: 3,
};

export type ContactKind = 'TALK' | 'HOME_CONTACT' | 'HOME_VISIT';

/** A mentor's or class teacher's talk, home contact or home visit with one of their students (R12, R31). */
export interface CarerContact {
  id: string;
  schoolAgencyId: string;
  subjectId: string;
  carerUserId: string;
  carerRole: CarerRole;
  kind: ContactKind;
  at: Date;
  /** Sealed at rest. */
  note: string;
  recordedAt: Date;
}

/** A school's mentor grid and the coverage of its routine cadences, as the bureaus report it (R11, R12, R31). */
export interface CareCoverage {
  schoolAgencyId: string;
  /** Students enrolled. */
  students: number;
  /** Classes in the school's enrolment register (grade and class). */
  classes: number;
  /** Classes whose students have at least the configured number of distinct mentors between them (R11). */
  classesWithEnoughMentors: number;
  studentsWithMentor: number;
  mentors: number;
  /** Students with a mentor who had a mentor's talk this term. */
  talkedThisTerm: number;
  /** Students with a mentor who had a mentor's home visit this term. */
  mentorVisitedThisTerm: number;
  studentsWithClassTeacher: number;
  /** Students with a class teacher who had the class teacher's home visit this school year. */
  classTeacherVisitedThisYear: number;
}
