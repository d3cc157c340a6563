// The page's three Chart.js charts: rating histogram, item popularity (log), loss per epoch.
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController,
  LineElement, LogarithmicScale, PointElement, Tooltip,
} from 'chart.js';
import type { RatingStats } from 'tripletrec';
import { formatAuc } from './dom';

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

/** One training run as the loss chart draws it. */
export interface RunCurves {
  label: string;
  losses: number[];
  /** Test AUC after each epoch; empty when the run did not evaluate per epoch. */
  aucs: number[];
}

const aucColour = '#0d9488';
const previousAucColour = '#8fcfc8';

/**
 * Loss per epoch (left axis) and test AUC per epoch (right axis, 0.5-1): the run in progress,
 * and the previous run faded for comparison.
 */
export class LossChart {
  private readonly canvas = canvas('loss-chart');
  private readonly chart = new Chart<'line', number[], number>(this.canvas, {
    type: 'line',
    data: { labels: [], datasets: [] },
    options: {
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: {
        x: { title: { display: true, text: 'epoch' } },
        y: { position: 'left', title: { display: true, text: 'loss' }, beginAtZero: true },
        // Below 0.5 only when a run ranks worse than chance: the axis stretches to show it.
        auc: {
          position: 'right', suggestedMin: 0.5, max: 1, display: false,
          title: { display: true, text: 'test AUC', color: aucColour },
          ticks: { color: aucColour },
          grid: { drawOnChartArea: false },
        },
      },
    },
  });
  private previous: RunCurves | null = null;
  private currentLabel = '';

  /** Starts a new run; the last finished run stays visible in grey. */
  start(label: string, lastRun: RunCurves | null): void {
    this.previous = lastRun && lastRun.losses.length > 0 ? lastRun : null;
    this.currentLabel = label;
    this.show([], null, []);
  }

  /** Finished epoch losses, plus the running mean of the epoch in progress (shown dashed), and
   * the test AUC of each finished epoch. */
  show(epochLosses: number[], currentEpochLoss: number | null, epochAucs: number[]): void {
    const current = currentEpochLoss === null ? epochLosses : [...epochLosses, currentEpochLoss];
    const length = Math.max(current.length, this.previous?.losses.length ?? 0, 1);
    this.chart.data.labels = Array.from({ length }, (_, i) => i + 1);
    const datasets: Chart<'line', number[], number>['data']['datasets'] = [{
      label: seriesLabel('loss', this.currentLabel),
      data: current,
      borderColor: accent,
      backgroundColor: accent,
      pointRadius: 3,
      yAxisID: 'y',
      segment: { borderDash: (ctx) => (currentEpochLoss !== null && ctx.p1DataIndex === current.length - 1 ? [4, 4] : undefined) },
    }];
    if (epochAucs.length > 0) {
      datasets.push({ label: seriesLabel('AUC', this.currentLabel), data: epochAucs, borderColor: aucColour, backgroundColor: aucColour, pointRadius: 3, pointStyle: 'rectRot', yAxisID: 'auc' });
    }
    if (this.previous) {
      datasets.push({ label: seriesLabel('loss', this.previous.label), data: this.previous.losses, borderColor: previousRunColour, backgroundColor: previousRunColour, pointRadius: 2, borderDash: [2, 3], yAxisID: 'y' });
      if (this.previous.aucs.length > 0) {
        datasets.push({ label: seriesLabel('AUC', this.previous.label), data: this.previous.aucs, borderColor: previousAucColour, backgroundColor: previousAucColour, pointRadius: 2, pointStyle: 'rectRot', borderDash: [2, 3], yAxisID: 'auc' });
      }
    }
    this.chart.data.datasets = datasets;
    this.chart.options.scales!.auc!.display = datasets.some((dataset) => dataset.yAxisID === 'auc');
    this.chart.update();
    this.canvas.setAttribute('aria-label', describeCurves(epochLosses, epochAucs));
  }
}

const seriesLabel = (quantity: string, run: string): string => (run ? `${quantity}, ${run}` : quantity);

/** The chart's text alternative: the finished epochs' numbers (AUC rounded as the Results step shows it). */
function describeCurves(epochLosses: number[], epochAucs: number[]): string {
  if (epochLosses.length === 0) return 'Loss per epoch: no finished epoch yet';
  const losses = `Loss per epoch: ${epochLosses.map((loss) => loss.toFixed(4)).join(', ')}`;
  return epochAucs.length === 0 ? losses : `${losses}. Test AUC per epoch: ${epochAucs.map(formatAuc).join(', ')}`;
}
