/**
 * "Did you mean" for mistyped flags and commands: the closest known spelling by edit distance
 * (at most 2 edits, or a unique prefix), so `--worker` suggests `--workers`.
 */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known word closest to `word`, if one is close enough. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const prefixed = known.filter((k) => k.startsWith(word));
  if (word.length > 0 && prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(word, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The message for an option parseArgs did not know: `-w` and `--worker` name the long option
 * meant, when the command has it. `hints` maps options of other commands to what to type
 * instead (`volley status -w 2` → `volley scale N`).
 */
export function unknownOptionMessage(
  command: string,
  option: string,
  known: readonly string[],
  hints: Readonly<Record<string, string>> = {},
): string {
  const name = option.replace(/^-+/, '').split('=')[0]!;
  const hint = hints[name];
  if (hint) return `volley ${command} has no option '${option}': ${hint}`;
  // A short option (-w) means the first long one with its letter, in the order the command lists them.
  const long =
    option.startsWith('--') || name.length > 1 ? closest(name, known) : known.find((k) => k.startsWith(name));
  const suggestion = long ? `; did you mean --${long}?` : '';
  return `volley ${command}: unknown option '${option}'${suggestion} (volley ${command} --help lists the options)`;
}
