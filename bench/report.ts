/**
 * Benchmark output: one JSON object per line per figure, e.g.
 * {"name":"fleet.sync.full","value":7.2,"unit":"s","target":"<=10","baseline":3.9}
 * Targets are judged by the reader (and by `met`), never by timed tests.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  baseline?: number;
  met?: boolean;
  note?: string;
}

export function targetMet(value: number, target: string | undefined): boolean | undefined {
  if (!target) return undefined;
  const m = /^(<=|>=|<|>|==)\s*(-?[\d.]+)$/.exec(target.trim());
  if (!m) return undefined;
  const t = Number(m[2]);
  switch (m[1]) {
    case '<=':
      return value <= t;
    case '>=':
      return value >= t;
    case '<':
      return value < t;
    case '>':
      return value > t;
    default:
      return value === t;
  }
}

export function emit(f: Figure): void {
  const round = (x: number) => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 1000) / 1000);
  const out: Figure = { name: f.name, value: round(f.value), unit: f.unit };
  if (f.target !== undefined) out.target = f.target;
  if (f.baseline !== undefined) out.baseline = round(f.baseline);
  const met = f.met ?? targetMet(f.value, f.target);
  if (met !== undefined) out.met = met;
  if (f.note) out.note = f.note;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
