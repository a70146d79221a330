/**
 * Topic patterns: topics are dot-separated (`room.lobby`); in a pattern `*` matches exactly one
 * segment and a final `**` matches any number of remaining segments (zero or more).
 * `room.*` matches `room.lobby` but not `room` or `room.a.b`; `room.**` matches all three.
 */
export function compileTopicPattern(pattern: string): (topic: string) => boolean {
  if (!pattern.includes('*')) return (topic) => topic === pattern;
  const parts = pattern.split('.');
  const tail = parts[parts.length - 1] === '**';
  if (parts.slice(0, tail ? -1 : undefined).includes('**')) {
    throw new TypeError(`bus pattern '${pattern}': '**' may only be the last segment`);
  }
  const fixed = tail ? parts.slice(0, -1) : parts;
  return (topic) => {
    const segments = topic.split('.');
    if (tail ? segments.length < fixed.length : segments.length !== fixed.length) return false;
    for (let i = 0; i < fixed.length; i++) {
      if (fixed[i] !== '*' && fixed[i] !== segments[i]) return false;
    }
    return true;
  };
}
