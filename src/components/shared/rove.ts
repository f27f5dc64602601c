/**
 * Roving focus in a tab list: the index an arrow key, Home or End moves to
 * from `at` among `n` tabs (wrapping at both ends), or undefined for any
 * other key.
 */
export function rove(event: KeyboardEvent, at: number, n: number): number | undefined {
  const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: n - 1 }[
    event.key
  ];
  if (to === undefined) return;
  event.preventDefault();
  return (to + n) % n;
}
