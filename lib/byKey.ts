/**
 * Answers per key out of one read of many keys. A legacy system answers a lookup of many keys
 * with its records in its own order; a DataLoader needs one answer per key, in the keys' order.
 * `normalise` says when two keys are the same key (see {@link anyCase} and {@link exact}).
 */

/** Keys that name the same record whatever their case: GUIDs (answered lower-case), e-mail addresses. */
export const anyCase = (key: string): string => key.toLowerCase();
/** Keys compared as written: numbers, codes, Salesforce ids. */
export const exact = (key: string): string => key;

function grouped<V>(
  values: Iterable<V>,
  keyOfValue: (value: V) => unknown,
  normalise: (key: string) => string,
): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const value of values) {
    const key = keyOfValue(value);
    if (typeof key !== 'string') continue;
    const group = groups.get(normalise(key));
    if (group) group.push(value);
    else groups.set(normalise(key), [value]);
  }
  return groups;
}

/** Per key, the first value whose key it is (null: none is). */
export function firstByKey<V>(
  keys: readonly string[],
  values: Iterable<V>,
  keyOfValue: (value: V) => unknown,
  normalise: (key: string) => string,
): (V | null)[] {
  const groups = grouped(values, keyOfValue, normalise);
  return keys.map((key) => groups.get(normalise(key))?.[0] ?? null);
}

/** Per key, every value whose key it is, in the order read. */
export function allByKey<V>(
  keys: readonly string[],
  values: Iterable<V>,
  keyOfValue: (value: V) => unknown,
  normalise: (key: string) => string,
): V[][] {
  const groups = grouped(values, keyOfValue, normalise);
  return keys.map((key) => groups.get(normalise(key)) ?? []);
}
