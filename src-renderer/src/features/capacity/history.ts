/** Capacity history → a chart: CPU and memory as fractions, their trend lines and the threshold. */
import type { CapacityHistory } from '../../../../src-preload/contract';
import type { ChartSpec } from '../../components/chart-spec';
import { percent } from '../../lib/format';

export function historySpec(h: CapacityHistory): ChartSpec {
  const first = h.points[0]?.time;
  const ends = [...h.trend.cpu, ...h.trend.mem].map(([t]) => t);
  const last = Math.max(h.points.at(-1)?.time ?? 0, ...ends);
  const series: ChartSpec['series'] = [
    { name: 'Memory', color: 2, area: true, data: h.points.map((p) => [p.time, p.mem]) },
    { name: 'CPU', color: 1, data: h.points.map((p) => [p.time, p.cpu]) },
  ];
  if (h.trend.mem.length) series.push({ name: 'Memory trend', color: 2, dashed: true, data: h.trend.mem.map(([t, v]) => [t, v]) });
  if (h.trend.cpu.length) series.push({ name: 'CPU trend', color: 1, dashed: true, data: h.trend.cpu.map(([t, v]) => [t, v]) });
  if (first !== undefined) series.push({ name: `Threshold ${percent(h.mem.threshold)}`, color: 4, dashed: true, data: [[first, h.mem.threshold], [last, h.mem.threshold]] });
  return { series, format: (v) => percent(v), min: 0, max: 1 };
}
