/** Edit distance with adjacent transpositions counted as one edit (RSTP → RTSP is one). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

const family = (name: string): string => name.split('_')[0];

/**
 * Warnings for variables that look like a misspelt setting: one edit away from a known name,
 * or up to three edits within a known family (`MEDIAMTX_RSTP_URL`, `RATE_LIMIT_RPM`). The
 * rest of the environment (PATH, HOSTNAME, SESSION_MANAGER…) is left alone.
 */
export function misspeltVariableWarnings(env: Record<string, string | undefined>, known: readonly string[]): string[] {
  const knownSet = new Set(known);
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (knownSet.has(name)) continue;
    let best = '';
    let distance = Number.POSITIVE_INFINITY;
    for (const candidate of known) {
      const d = editDistance(name.toUpperCase(), candidate);
      if (d < distance) [best, distance] = [candidate, d];
    }
    if (distance <= 1 || (distance <= 3 && family(name.toUpperCase()) === family(best))) {
      warnings.push(`${name} is not a setting of mtx-relay and is ignored: did you mean ${best}?`);
    }
  }
  return warnings;
}
