import { z } from 'zod';
import { ENROLMENT_BATCH_SIZE, enrolmentChange } from '../../core/enrolment/enrolment-events.js';

/**
 * A batch of register changes as the school's system sends them (`POST /v1/enrolments`, README "Enrolment and
 * identity linkage"): each enrolment names the child's resident identity number, which the connector checks,
 * seals to the hub with the rest of the batch's numbers, and forgets.
 */
export const enrolmentRequest = z.object({
  changes: z
    .array(
      enrolmentChange.omit({ line: true }).extend({
        /** Required for ENROLLED; a child leaving is named by the student number alone. */
        residentId: z.string().max(32).optional(),
      }),
    )
    .min(1)
    .max(ENROLMENT_BATCH_SIZE),
});
export type EnrolmentRequest = z.infer<typeof enrolmentRequest>;
