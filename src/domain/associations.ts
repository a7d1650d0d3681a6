// Association changes as set differences, so repeating a sync with nothing changed writes nothing.

export function diffIds(
  current: Iterable<string>,
  desired: Iterable<string>,
): { toAdd: string[]; toRemove: string[] } {
  const have = new Set(current);
  const want = new Set(desired);
  return {
    toAdd: [...want].filter((id) => !have.has(id)).sort(),
    toRemove: [...have].filter((id) => !want.has(id)).sort(),
  };
}
