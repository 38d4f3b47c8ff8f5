/**
 * What a feature hands the Chart wrapper: named time series and how to
 * format the value axis. The wrapper turns it into ECharts options with
 * the current theme's colours, so features never touch ECharts directly.
 */
export interface ChartSeries {
  name: string;
  /** [epoch ms, value]; null leaves a gap. */
  data: [number, number | null][];
  /** Palette slot 1..4 (CSS variables --chart-1..4). */
  color?: 1 | 2 | 3 | 4;
  area?: boolean;
  /** A dashed line (trends, forecasts, thresholds). */
  dashed?: boolean;
}

export interface ChartSpec {
  series: ChartSeries[];
  format: (value: number) => string;
  min?: number;
  max?: number;
}

export interface ChartColors {
  series: [string, string, string, string];
  grid: string;
  axis: string;
  text: string;
  surface: string;
  border: string;
}

export function readChartColors(root: HTMLElement = document.documentElement): ChartColors {
  const css = getComputedStyle(root);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    series: [v('--chart-1', '#1d5fc4'), v('--chart-2', '#d9730d'), v('--chart-3', '#17753a'), v('--chart-4', '#8e44ad')],
    grid: v('--chart-grid', '#e3e7ec'),
    axis: v('--chart-axis', '#525c6b'),
    text: v('--text', '#141a22'),
    surface: v('--surface', '#ffffff'),
    border: v('--border', '#d5dae1'),
  };
}

const timeFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/**
 * Tooltip content as DOM nodes, not an HTML string: ECharts would parse a
 * string with inline style attributes, which the CSP refuses.
 */
export function tooltipContent(params: unknown, format: (v: number) => string): HTMLElement {
  const list = (Array.isArray(params) ? params : [params]) as { seriesName?: string; value?: unknown; color?: unknown }[];
  const box = document.createElement('div');
  box.className = 'chart-tip';
  const first = list[0]?.value;
  if (Array.isArray(first) && typeof first[0] === 'number') {
    const head = document.createElement('div');
    head.className = 'chart-tip-time';
    head.textContent = timeFmt.format(new Date(first[0]));
    box.append(head);
  }
  for (const p of list) {
    const row = document.createElement('div');
    row.className = 'chart-tip-row';
    const dot = document.createElement('span');
    dot.className = 'chart-tip-dot';
    if (typeof p.color === 'string') dot.style.backgroundColor = p.color;
    const name = document.createElement('span');
    name.textContent = p.seriesName ?? '';
    const val = document.createElement('span');
    val.className = 'chart-tip-value';
    const raw = Array.isArray(p.value) ? p.value[1] : p.value;
    val.textContent = typeof raw === 'number' ? format(raw) : '—';
    row.append(dot, name, val);
    box.append(row);
  }
  return box;
}

export function buildOption(spec: ChartSpec, colors: ChartColors): Record<string, unknown> {
  return {
    animation: false,
    color: colors.series,
    textStyle: { color: colors.text, fontFamily: 'system-ui, sans-serif', fontSize: 11 },
    grid: { left: 8, right: 12, top: spec.series.length > 1 ? 28 : 12, bottom: 8, containLabel: true },
    legend: spec.series.length > 1 ? { top: 0, left: 0, itemWidth: 12, itemHeight: 8, textStyle: { color: colors.axis, fontSize: 11 } } : { show: false },
    tooltip: {
      trigger: 'axis',
      confine: true,
      backgroundColor: colors.surface,
      borderColor: colors.border,
      textStyle: { color: colors.text, fontSize: 12 },
      formatter: (params: unknown) => tooltipContent(params, spec.format),
    },
    dataZoom: [{ type: 'inside', throttle: 50 }],
    xAxis: {
      type: 'time',
      axisLine: { lineStyle: { color: colors.grid } },
      axisLabel: { color: colors.axis, hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      min: spec.min,
      max: spec.max,
      axisLabel: { color: colors.axis, formatter: (v: number) => spec.format(v) },
      splitLine: { lineStyle: { color: colors.grid } },
    },
    series: spec.series.map((s) => ({
      name: s.name,
      type: 'line',
      data: s.data,
      showSymbol: false,
      sampling: 'lttb',
      connectNulls: false,
      lineStyle: { width: 1.5, ...(s.dashed ? { type: 'dashed' } : {}) },
      ...(s.color ? { itemStyle: { color: colors.series[s.color - 1] } } : {}),
      ...(s.area ? { areaStyle: { opacity: 0.12 } } : {}),
    })),
  };
}
