import { html, type SafeHtml } from '@onegate/identity';

/** Colours for stacked series, told apart by people with the common colour-vision deficiencies (Okabe–Ito). */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];

export interface ChartSeries {
  name: string;
  values: number[];
}

export interface BarChart {
  /** Unique in the page: the chart's title and description are referenced by it. */
  id: string;
  title: string;
  desc: string;
  /** One label per bar (a day), under the axis. */
  labels: string[];
  /** Stacked bottom to top, coloured in PALETTE order (the last colour repeats past eight). */
  series: ChartSeries[];
}

const WIDTH = 640;
const HEIGHT = 180;
const LEFT = 40;
const BOTTOM = 28;
const TOP = 10;

/**
 * A stacked bar chart as plain SVG, drawn on the server: no script, no
 * external asset, nothing the CSP must allow. `role="img"` with its title and
 * description for screen readers; the page puts the numbers in a table too.
 */
export function stackedBarChart(chart: BarChart): SafeHtml {
  const totals = chart.labels.map((_, i) => chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = (WIDTH - LEFT) / Math.max(1, chart.labels.length);
  const barWidth = Math.max(2, step * 0.7);
  const y = (value: number) => TOP + plotHeight - (value / max) * plotHeight;
  const ticks = [0, max / 2, max];
  const bars = chart.labels.map((label, i) => {
    let base = 0;
    const x = LEFT + i * step + (step - barWidth) / 2;
    const pieces = chart.series.map((s, k) => {
      const value = s.values[i] ?? 0;
      if (value === 0) return null;
      const top = y(base + value);
      const height = y(base) - top;
      base += value;
      return html`<rect
        x="${fixed(x)}"
        y="${fixed(top)}"
        width="${fixed(barWidth)}"
        height="${fixed(height)}"
        fill="${colour(k)}"
        ><title>${s.name}, ${label}: ${value}</title></rect
      >`;
    });
    // Every other label when crowded, always the last (today).
    const shown = chart.labels.length <= 7 || i % 2 === (chart.labels.length - 1) % 2;
    return html`${pieces}${shown ? html`<text x="${fixed(x + barWidth / 2)}" y="${HEIGHT - 10}" text-anchor="middle" font-size="10">${label.slice(5)}</text>` : null}`;
  });
  return html`<svg
    class="chart"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width="100%"
    role="img"
    aria-labelledby="${chart.id}-title ${chart.id}-desc"
    xmlns="http://www.w3.org/2000/svg"
    font-family="sans-serif"
  >
    <title id="${chart.id}-title">${chart.title}</title>
    <desc id="${chart.id}-desc">${chart.desc}</desc>
    ${ticks.map(
      (t) =>
        html`<line
            x1="${LEFT}"
            x2="${WIDTH}"
            y1="${fixed(y(t))}"
            y2="${fixed(y(t))}"
            stroke="#ccc"
            stroke-width="1"
          /><text x="${LEFT - 4}" y="${fixed(y(t) + 3)}" text-anchor="end" font-size="10"
            >${formatTick(t)}</text
          >`,
    )}${bars}
  </svg>`;
}

/** The legend under a chart: a swatch and the series' name. */
export function chartLegend(series: ChartSeries[], label: string): SafeHtml {
  return html`<ul class="chart-legend" aria-label="${label}">
    ${series.map(
      (s, k) =>
        html`<li>
          <svg width="12" height="12" aria-hidden="true" focusable="false">
            <rect width="12" height="12" fill="${colour(k)}" />
          </svg>
          ${s.name}
        </li>`,
    )}
  </ul>`;
}

function colour(k: number): string {
  return PALETTE[Math.min(k, PALETTE.length - 1)]!;
}

/** A round top for the axis: 1, 2, 5 × a power of ten, at least 4 so an empty chart still has a scale. */
export function niceMax(value: number): number {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

function formatTick(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function fixed(n: number): string {
  return n.toFixed(1);
}
