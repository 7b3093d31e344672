/** One field's change: old → new, or for a secret only whether it is now set or cleared. */
export type FieldChange = { old: unknown; new: unknown } | 'set' | 'cleared';

export type FieldChanges = Record<string, FieldChange>;

type Fields = Record<string, unknown>;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The fields that differ between `before` and `after` (null for a row that did not or no longer
 * exists), old → new. Only the fields named in `after` (or `before` on a delete) are compared.
 */
export function fieldChanges(before: Fields | null, after: Fields | null): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of Object.keys(after ?? before ?? {})) {
    const old = before?.[field] ?? null;
    const next = after?.[field] ?? null;
    if (!same(old, next)) changes[field] = { old, new: next };
  }
  return changes;
}

/** Secret fields as they may be shown: `set` when given a value, `cleared` when given null; absent fields stay out. */
export function secretChanges(given: Record<string, string | null | undefined>): FieldChanges {
  const changes: FieldChanges = {};
  for (const [field, value] of Object.entries(given)) {
    if (value !== undefined) changes[field] = value === null ? 'cleared' : 'set';
  }
  return changes;
}
