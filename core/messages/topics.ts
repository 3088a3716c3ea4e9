/**
 * Every Kafka topic the hub uses, in one place (README "Topics and messages" mirrors this file).
 *
 * The hub reads one inbound topic that every agency writes to; each agency reads only its own topic, so a
 * broker ACL can confine an agency to its own data (least data on the wire, PIPL Art. 51).
 */
export const TOPICS = {
  /** Agency systems (through their connectors) → hub. Key: the referral id. */
  hubInbound: 'careloop.hub.inbound',
  /** Messages that failed verification or validation, with the reason. Never read back automatically. */
  deadLetter: 'careloop.dead-letter',
} as const;

/** Hub → one agency's connector. Key: the referral id. */
export function agencyTopic(agencyId: string): string {
  return `careloop.agency.${agencyId}`;
}
