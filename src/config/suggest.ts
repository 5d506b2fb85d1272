/**
 * "Did you mean …?" for mistyped names (CLI commands and flags, CONFIG_FILE keys). A plain
 * Levenshtein distance is enough for lists this short; case, `-` and `_` are ignored so that
 * `LOGLEVEL` finds `LOG_LEVEL` and `--time_zone` finds `--time-zone`.
 */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const t = norm(typed);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(t, norm(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A third of the word may be wrong (at least 1, at most 3): past that the "suggestion" is noise.
  const allowed = Math.min(3, Math.max(1, Math.floor(t.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** Edit distance (insert, delete, substitute, each 1; a swap of neighbours also 1). */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
