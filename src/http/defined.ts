// PATCH bodies to store updates: only the fields the caller sent.

/**
 * The fields of `body` named in `keys` whose value is not undefined — what a
 * PATCH body asks to change, in the shape of a partial update (a field sent
 * as null stays, it means "clear").
 */
export function definedFields<T extends object, K extends keyof T>(body: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) {
    const value = body[key];
    if (value !== undefined) out[key] = value as Exclude<T[K], undefined>;
  }
  return out;
}
