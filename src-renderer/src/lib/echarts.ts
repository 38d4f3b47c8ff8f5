/**
 * ECharts, tree-shaken to what Cairn draws: line charts on a time axis with
 * grid, tooltip, legend and zoom, rendered to canvas. Imported lazily by
 * components/Chart.svelte so the charting code loads only when a chart shows.
 */
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer]);

export { echarts };
export type { ECharts, EChartsCoreOption } from 'echarts/core';
