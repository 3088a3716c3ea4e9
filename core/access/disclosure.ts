/**
 * Keeps only the fields a policy decision allowed. Every object the hub hands out passes through here, so a
 * field the policy did not name cannot leak by accident (least data, PIPL Art. 6; deny by default).
 */
export function disclose<T extends object>(record: T, allowedFields: readonly string[]): Partial<T> & { id?: string } {
  const allowed = new Set(allowedFields);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (allowed.has(key)) out[key] = value;
  }
  return out as Partial<T>;
}
