// The page's three Chart.js charts: rating histogram, item popularity (log), loss per epoch.
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController,
  LineElement, LogarithmicScale, PointElement, Tooltip,
} from 'chart.js';
import type { RatingStats } from 'tripletrec';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale,
  LineController, LineElement, PointElement, Tooltip, Legend, Filler);

const accent = '#4f46e5';
const accentSoft = 'rgba(79, 70, 229, 0.15)';
const previousRunColour = '#a3a3b5';

Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || 'system-ui';
Chart.defaults.color = '#4b5563';
Chart.defaults.animation = false;  // charts update often; animations would only cost frames
Chart.defaults.maintainAspectRatio = false;

function canvas(id: string): HTMLCanvasElement {
  const element = document.getElementById(id);
  if (!(element instanceof HTMLCanvasElement)) throw new Error(`demo page: missing canvas #${id}`);
  return element;
}

/** Bars per rating value. Integer scales are drawn on -1..10 like the notebook (missing values = 0). */
export function histogramBars(stats: RatingStats): { labels: string[]; counts: number[] } {
  const values = stats.histogram.map((h) => h.value);
  const integers = values.every((v) => Number.isInteger(v) && v >= -1 && v <= 10);
  if (!integers) {
    return { labels: values.map((v) => String(v)), counts: stats.histogram.map((h) => h.count) };
  }
  const labels: string[] = [];
  const counts: number[] = [];
  for (let v = -1; v <= 10; v++) {
    labels.push(String(v));
    counts.push(stats.histogram.find((h) => h.value === v)?.count ?? 0);
  }
  return { labels, counts };
}

type Point = { x: number; y: number };

/** At most about `maxPoints` (rank, count) points of a descending curve: tens of thousands of
 * items would make every redraw slow, and a curve this smooth loses nothing when thinned. */
export function longTailPoints(descending: number[], maxPoints: number): Point[] {
  const step = Math.max(1, Math.ceil(descending.length / maxPoints));
  const points: Point[] = [];
  for (let i = 0; i < descending.length; i += step) points.push({ x: i + 1, y: descending[i] });
  const last = descending.length - 1;
  if (last >= 0 && points.at(-1)!.x !== last + 1) points.push({ x: last + 1, y: descending[last] });
  return points;
}

export class DataCharts {
  private readonly histogram = new Chart<'bar', number[], string>(canvas('histogram-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'ratings', data: [], backgroundColor: accent, borderRadius: 3 }] },
    options: {
      plugins: { legend: { display: false } },
      scales: { x: { title: { display: true, text: 'rating' }, grid: { display: false } }, y: { beginAtZero: true } },
    },
  });

  private readonly popularity = new Chart<'line', Point[]>(canvas('popularity-chart'), {
    type: 'line',
    data: { datasets: [{ label: 'ratings per item', data: [], borderColor: accent, backgroundColor: accentSoft, fill: true, pointRadius: 0, borderWidth: 1.5 }] },
    options: {
      plugins: { legend: { display: false } },
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', min: 1, title: { display: true, text: 'item rank (most popular first)' }, ticks: { maxTicksLimit: 6 } },
        y: { type: 'logarithmic', title: { display: true, text: 'ratings' } },
      },
    },
  });

  show(stats: RatingStats): void {
    const bars = histogramBars(stats);
    this.histogram.data.labels = bars.labels;
    this.histogram.data.datasets[0].data = bars.counts;
    this.histogram.update();

    // Items with zero rows would break the log scale.
    const popularity = stats.popularity.filter((count) => count > 0);
    this.popularity.data.datasets[0].data = longTailPoints(popularity, 600);
    this.popularity.options.scales!.x!.max = Math.max(2, popularity.length);
    this.popularity.update();
  }
}

/** Loss per epoch: the run in progress, and the previous run faded for comparison. */
export class LossChart {
  private readonly chart = new Chart<'line', number[], number>(canvas('loss-chart'), {
    type: 'line',
    data: { labels: [], datasets: [] },
    options: {
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: { x: { title: { display: true, text: 'epoch' } }, y: { title: { display: true, text: 'loss' }, beginAtZero: true } },
    },
  });
  private previous: { label: string; losses: number[] } | null = null;
  private currentLabel = '';

  /** Starts a new run; the last finished run stays visible in grey. */
  start(label: string, lastRun: { label: string; losses: number[] } | null): void {
    this.previous = lastRun && lastRun.losses.length > 0 ? lastRun : null;
    this.currentLabel = label;
    this.show([], null);
  }

  /** Finished epoch losses, plus the running mean of the epoch in progress (shown dashed). */
  show(epochLosses: number[], currentEpochLoss: number | null): void {
    const current = currentEpochLoss === null ? epochLosses : [...epochLosses, currentEpochLoss];
    const length = Math.max(current.length, this.previous?.losses.length ?? 0, 1);
    this.chart.data.labels = Array.from({ length }, (_, i) => i + 1);
    const datasets: Chart<'line', number[], number>['data']['datasets'] = [{
      label: this.currentLabel,
      data: current,
      borderColor: accent,
      backgroundColor: accent,
      pointRadius: 3,
      segment: { borderDash: (ctx) => (currentEpochLoss !== null && ctx.p1DataIndex === current.length - 1 ? [4, 4] : undefined) },
    }];
    if (this.previous) {
      datasets.push({ label: this.previous.label, data: this.previous.losses, borderColor: previousRunColour, backgroundColor: previousRunColour, pointRadius: 2, borderDash: [2, 3] });
    }
    this.chart.data.datasets = datasets;
    this.chart.update();
  }
}
