/**
 * Small fuzzy matcher for the command palette: every query character must
 * appear in order; consecutive runs and word starts score higher. Returns
 * the matched positions so the view can emphasise them without markup.
 */
export interface FuzzyMatch {
  score: number;
  positions: number[];
}

export function fuzzyMatch(query: string, text: string): FuzzyMatch | null {
  const q = query.trim().toLowerCase();
  if (!q) return { score: 0, positions: [] };
  const t = text.toLowerCase();
  const positions: number[] = [];
  let score = 0;
  let ti = 0;
  let prev = -2;
  for (const ch of q) {
    if (ch === ' ') continue;
    const found = t.indexOf(ch, ti);
    if (found < 0) return null;
    const wordStart = found === 0 || /[\s/:&\-_.]/.test(t[found - 1] ?? '');
    score += 1;
    if (found === prev + 1) score += 3;
    if (wordStart) score += 4;
    score -= Math.min(3, (found - ti) * 0.1);
    positions.push(found);
    prev = found;
    ti = found + 1;
  }
  if (t.startsWith(q)) score += 6;
  return { score: score - text.length * 0.01, positions };
}

/** Split text into runs of matched / unmatched characters for rendering. */
export function highlightRuns(text: string, positions: number[]): { text: string; hit: boolean }[] {
  const set = new Set(positions);
  const runs: { text: string; hit: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const hit = set.has(i);
    const last = runs.at(-1);
    if (last && last.hit === hit) last.text += text[i];
    else runs.push({ text: text[i] ?? '', hit });
  }
  return runs;
}

export function fuzzyFilter<T>(items: T[], query: string, text: (item: T) => string): { item: T; match: FuzzyMatch }[] {
  const out: { item: T; match: FuzzyMatch }[] = [];
  for (const item of items) {
    const match = fuzzyMatch(query, text(item));
    if (match) out.push({ item, match });
  }
  if (query.trim()) out.sort((a, b) => b.match.score - a.match.score);
  return out;
}
