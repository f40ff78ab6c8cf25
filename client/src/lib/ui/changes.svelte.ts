import { untrack } from 'svelte';

/**
 * Calls `onChange(now, before)` each time `read()` gives a value that differs from the last one
 * (by `same`), never for the first: announcements say what changed, not what is. `read` is the
 * only tracked part; `onChange` runs untracked. Call while a component initialises.
 */
export function whenChanged<T>(read: () => T, onChange: (now: T, before: T) => void, same: (a: T, b: T) => boolean = Object.is): void {
  let seen: { value: T } | undefined;
  $effect(() => {
    const now = read();
    untrack(() => {
      const before = seen;
      seen = { value: now };
      if (before !== undefined && !same(before.value, now)) onChange(now, before.value);
    });
  });
}
