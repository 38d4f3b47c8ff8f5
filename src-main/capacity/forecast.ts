/**
 * Trend and forecast over an RRD series: an ordinary least-squares line
 * through (time, fraction of capacity), and when (if ever) it reaches a
 * threshold. Honest about what a line through noisy data can say: fewer
 * than 8 samples is too little, a slope whose t-statistic is under 2 is
 * noise (no forecast), a flat or falling trend never crosses, and a
 * crossing beyond the horizon is reported as none within it.
 */
import type { Forecast } from '../../src-preload/contract';

const DAY_MS = 86_400_000;

export interface LinearFit {
  /** Per millisecond. */
  slope: number;
  intercept: number;
  r2: number;
  n: number;
  /** Standard error of the slope (NaN with fewer than 3 points). */
  seSlope: number;
}

export function linearFit(points: readonly (readonly [number, number])[]): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  // Centre x for numerical stability (epoch ms squared overflows double precision).
  let mx = 0;
  let my = 0;
  for (const [x, y] of points) {
    mx += x;
    my += y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (const [x, y] of points) sse += (y - (intercept + slope * x)) ** 2;
  const r2 = syy === 0 ? 1 : Math.max(0, 1 - sse / syy);
  const seSlope = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, r2, n, seSlope };
}

export function forecast(series: readonly (readonly [number, number | null])[], threshold: number, horizonDays = 365): { forecast: Forecast; trend: [number, number][] } {
  const pts = series.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1]));
  const base = { threshold, horizonDays, days: null, at: null, slopePerDay: null, r2: null };
  const pct = (v: number) => `${Math.round(v * 100)} %`;
  if (pts.length < 8) return { forecast: { ...base, status: 'insufficient-data', message: `Too little history (${pts.length} samples) for a trend.` }, trend: [] };
  const fit = linearFit(pts) as LinearFit;
  const first = pts[0]?.[0] as number;
  const last = pts[pts.length - 1]?.[0] as number;
  const now = fit.intercept + fit.slope * last;
  const slopePerDay = fit.slope * DAY_MS;
  const withFit = { ...base, slopePerDay, r2: fit.r2 };
  const line = (to: number): [number, number][] => [
    [first, fit.intercept + fit.slope * first],
    [to, fit.intercept + fit.slope * to],
  ];
  if (now >= threshold) return { forecast: { ...withFit, status: 'already-above', days: 0, message: `Already at ${pct(now)}, above the ${pct(threshold)} threshold.` }, trend: line(last) };
  const t = Math.abs(fit.slope) / fit.seSlope;
  if (fit.slope === 0 || !(t >= 2)) return { forecast: { ...withFit, status: 'not-significant', message: `No significant trend (the slope is within the noise); now ${pct(now)}.` }, trend: line(last) };
  if (fit.slope < 0) return { forecast: { ...withFit, status: 'no-crossing', message: `Decreasing (${(slopePerDay * 100).toFixed(2)} points a day): no crossing of ${pct(threshold)}.` }, trend: line(last) };
  const days = (threshold - now) / slopePerDay;
  if (days > horizonDays)
    return { forecast: { ...withFit, status: 'no-crossing', message: `Growing ${(slopePerDay * 100).toFixed(3)} points a day: no crossing of ${pct(threshold)} within ${horizonDays} days.` }, trend: line(last + horizonDays * DAY_MS * 0.1) };
  const at = last + days * DAY_MS;
  return {
    forecast: { ...withFit, status: 'crosses', days, at: new Date(at).toISOString(), message: `Reaches ${pct(threshold)} in about ${Math.max(1, Math.round(days))} days at the current trend.` },
    trend: line(at),
  };
}
