import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.js';

/** One line of a chart: its label and the CSS custom property of its colour, such as `--chart-1`. */
export interface ChartLine {
  label: string;
  colour: string;
}

/** A time-series chart (uPlot, on a canvas) that redraws with new data and follows the theme's colours. */
export interface TimeChart {
  /** The chart's element, to place in the page. */
  element: HTMLElement;
  /**
   * Draws `at` (epoch seconds) against one array per line. Colours are read from the CSS
   * custom properties on every call, so a theme change shows at the next refresh.
   */
  draw(at: number[], values: (number | null)[][]): void;
  /** Removes the chart and the window listeners uPlot added. */
  destroy(): void;
}

const HEIGHT = 220;

/**
 * Dots only where a value has no neighbour to draw a line to (a first sample, or one between
 * minutes no leader sampled), which a line alone would not show.
 */
const isolated: uPlot.Series.Points.Filter = (u, seriesIdx) => {
  const values = u.data[seriesIdx] ?? [];
  const shown: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] != null && values[i - 1] == null && values[i + 1] == null) shown.push(i);
  return shown;
};

const cssValue = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A chart titled `title` with `lines`. The data it was last given is on its element too, for
 * tests and for people reading the page's DOM: `data-points` (minutes drawn),
 * `data-total-<label>` (each line's sum) and `data-last-<label>` (its latest value, '' for none).
 */
export function timeChart(name: string, title: string, lines: readonly ChartLine[]): TimeChart {
  const plot = h('div', { class: 'chart-plot' });
  const element = h('figure', { class: 'chart', 'data-chart': name }, h('figcaption', null, title), plot);
  let chart: uPlot | undefined;
  let drawnWith = '';

  function options(width: number, palette: { muted: string; grid: string; surface: string; lines: string[] }): uPlot.Options {
    const axis = { stroke: palette.muted, grid: { stroke: palette.grid, width: 1 }, ticks: { stroke: palette.grid, width: 1 } };
    return {
      width,
      height: HEIGHT,
      // From 0 and at least 4 high: a quiet hour gets whole-job ticks, not "0.5 jobs".
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
      axes: [axis, { ...axis, size: 50 }],
      series: [{}, ...lines.map((line, i) => ({ label: line.label, stroke: palette.lines[i], width: 1.5, points: { show: true, size: 5, fill: palette.surface, filter: isolated } }))],
      legend: { live: true },
      cursor: { points: { size: 6 } },
    };
  }

  return {
    element,
    draw(at, values) {
      const palette = {
        muted: cssValue('--muted'),
        grid: cssValue('--border'),
        surface: cssValue('--surface'),
        lines: lines.map((line) => cssValue(line.colour)),
      };
      const width = Math.max(280, plot.clientWidth || element.clientWidth || 600);
      const signature = JSON.stringify(palette);
      const data = [at, ...values] as uPlot.AlignedData;
      // uPlot fixes colours at creation: a new palette (the theme changed) makes a new chart.
      if (!chart || signature !== drawnWith) {
        chart?.destroy();
        chart = new uPlot(options(width, palette), data, plot);
        drawnWith = signature;
      } else {
        if (chart.width !== width) chart.setSize({ width, height: HEIGHT });
        chart.setData(data);
      }
      element.setAttribute('data-points', String(at.length));
      lines.forEach((line, i) => {
        const series = values[i] ?? [];
        element.setAttribute(`data-total-${line.label}`, String(series.reduce<number>((sum, v) => sum + (v ?? 0), 0)));
        element.setAttribute(`data-last-${line.label}`, String(series.findLast((v) => v !== null) ?? ''));
      });
    },
    destroy() {
      chart?.destroy();
      chart = undefined;
    },
  };
}
