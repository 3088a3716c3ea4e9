/**
 * Keeps only the fields a policy decision allowed. Every object the hub hands out passes through here, so a
 * field the policy did not name cannot leak by accident (least data, PIPL Art. 6; deny by default).
 *
 * A plain name (`timeline`) discloses the whole value; a dotted name (`timeline.state`) discloses only that field
 * of a nested object, or of every item of a nested list, so withholding reaches into every level.
 */
export function disclose<T extends object>(record: T, allowedFields: readonly string[]): Partial<T> & { id?: string } {
  const whole = new Set<string>();
  const nested = new Map<string, string[]>();
  for (const field of allowedFields) {
    const dot = field.indexOf('.');
    if (dot < 0) whole.add(field);
    else nested.set(field.slice(0, dot), [...(nested.get(field.slice(0, dot)) ?? []), field.slice(dot + 1)]);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (whole.has(key)) out[key] = value;
    else if (nested.has(key)) out[key] = discloseNested(value, nested.get(key) ?? []);
  }
  return out as Partial<T>;
}

/**
 * What one object looks like to a caller, given the policy's decision on it: the allowed fields and its id, or null
 * when the decision denies it (the caller then learns nothing of it, not even that it exists).
 */
export function shownAs<T extends { id: string }>(
  record: T,
  decision: { allow: boolean; fields: readonly string[] } | undefined,
): (Partial<T> & { id: string }) | null {
  return decision?.allow ? { ...disclose(record, decision.fields), id: record.id } : null;
}

function discloseNested(value: unknown, fields: string[]): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => discloseNested(item, fields));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) return disclose(value, fields);
  // A scalar cannot be cut down; naming a sub-field of it discloses nothing.
  return null;
}
