/** RRD points → chart specs: CPU, memory and network for a host. */
import { t } from '../../lib/i18n';
import type { RrdPoint, RrdTimeframe } from '../../../../src-preload/contract';
import type { ChartSpec } from '../../components/chart-spec';
import { bytes, bytesPerSecond, percent } from '../../lib/format';

const timeframe = (id: RrdTimeframe) => ({
  id,
  /** In the current language (a getter, so templates re-read it). */
  get label() {
    return t(`timeframe.${id}`);
  },
});

export const TIMEFRAMES: { id: RrdTimeframe; readonly label: string }[] = [timeframe('hour'), timeframe('day'), timeframe('week'), timeframe('month'), timeframe('year')];

/** PVE reports epoch seconds; tolerate milliseconds. */
const ms = (t: number) => (t < 1e12 ? t * 1000 : t);

export function cpuSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [{ name: t('chart.cpu'), color: 1, area: true, data: points.map((p) => [ms(p.time), p.cpu]) }],
    format: (v) => percent(v),
    min: 0,
  };
}

export function memSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [
      { name: t('chart.used'), color: 2, area: true, data: points.map((p) => [ms(p.time), p.mem]) },
      { name: t('chart.total'), color: 4, data: points.map((p) => [ms(p.time), p.maxmem]) },
    ],
    format: (v) => bytes(v),
    min: 0,
  };
}

export function netSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [
      { name: t('chart.in'), color: 3, area: true, data: points.map((p) => [ms(p.time), p.netin]) },
      { name: t('chart.out'), color: 1, data: points.map((p) => [ms(p.time), p.netout]) },
    ],
    format: (v) => bytesPerSecond(v),
    min: 0,
  };
}

/** CPU and memory as fractions of capacity on one chart (site overview). */
export function usageSpec(points: RrdPoint[]): ChartSpec {
  return {
    series: [
      { name: t('chart.cpu'), color: 1, data: points.map((p) => [ms(p.time), p.cpu]) },
      { name: t('chart.memory'), color: 2, data: points.map((p) => [ms(p.time), p.mem !== null && p.maxmem ? p.mem / p.maxmem : null]) },
    ],
    format: (v) => percent(v),
    min: 0,
    max: 1,
  };
}
