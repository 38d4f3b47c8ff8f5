/** RRD points → chart specs: CPU, memory and network for a host. */
import type { RrdPoint, RrdTimeframe } from '../../../../src-preload/contract';
import type { ChartSpec } from '../../components/chart-spec';
import { bytes, bytesPerSecond, percent } from '../../lib/format';

export const TIMEFRAMES: { id: RrdTimeframe; label: string }[] = [
  { id: 'hour', label: 'Hour' },
  { id: 'day', label: 'Day' },
  { id: 'week', label: 'Week' },
  { id: 'month', label: 'Month' },
  { id: 'year', label: 'Year' },
];

/** PVE reports epoch seconds; tolerate milliseconds. */
const ms = (t: number) => (t < 1e12 ? t * 1000 : t);

export function cpuSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [{ name: 'CPU', color: 1, area: true, data: points.map((p) => [ms(p.time), p.cpu]) }],
    format: (v) => percent(v),
    min: 0,
  };
}

export function memSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [
      { name: 'Used', color: 2, area: true, data: points.map((p) => [ms(p.time), p.mem]) },
      { name: 'Total', color: 4, data: points.map((p) => [ms(p.time), p.maxmem]) },
    ],
    format: (v) => bytes(v),
    min: 0,
  };
}

export function netSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [
      { name: 'In', color: 3, area: true, data: points.map((p) => [ms(p.time), p.netin]) },
      { name: 'Out', color: 1, data: points.map((p) => [ms(p.time), p.netout]) },
    ],
    format: (v) => bytesPerSecond(v),
    min: 0,
  };
}

/** CPU and memory as fractions of capacity on one chart (site overview). */
export function usageSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [
      { name: 'CPU', color: 1, data: points.map((p) => [ms(p.time), p.cpu]) },
      { name: 'Memory', color: 2, data: points.map((p) => [ms(p.time), p.mem !== null && p.maxmem ? p.mem / p.maxmem : null]) },
    ],
    format: (v) => percent(v),
    min: 0,
    max: 1,
  };
}
