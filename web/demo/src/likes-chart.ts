// The "Your taste" step's chart: fold-in AUC of the held-out users against the number of likes
// they were folded in from, beside the AUC of the users the model was trained on.
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { LikesCurvePoint } from 'tripletrec';
import { formatAuc } from './dom';

Chart.register(CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

const foldInColour = '#4f46e5';
const referenceColour = '#0d9488';

export interface LikesCurve {
  points: LikesCurvePoint[];
  /** The held-out users folded in from all their train positives (evaluateFoldIn). */
  foldInAuc: number;
  /** The users the model was trained on (evaluate): not the same users, a yardstick. */
  trainedAuc: number;
}

export class LikesChart {
  private chart: Chart<'line', number[], string> | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  show(curve: LikesCurve): void {
    const labels = curve.points.map((point) => String(point.likes));
    const flat = (value: number) => curve.points.map(() => value);
    const datasets: Chart<'line', number[], string>['data']['datasets'] = [
      { label: 'held-out users, folded in from this many likes', data: curve.points.map((point) => point.auc),
        borderColor: foldInColour, backgroundColor: foldInColour, pointRadius: 4 },
      { label: 'held-out users, all their likes', data: flat(curve.foldInAuc),
        borderColor: foldInColour, backgroundColor: foldInColour, borderDash: [5, 4], pointRadius: 0 },
      { label: 'users in training (jointly learnt)', data: flat(curve.trainedAuc),
        borderColor: referenceColour, backgroundColor: referenceColour, borderDash: [2, 3], pointRadius: 0 },
    ];
    if (this.chart === null) {
      this.chart = new Chart<'line', number[], string>(this.canvas, {
        type: 'line',
        data: { labels, datasets },
        options: {
          plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
          scales: {
            x: { title: { display: true, text: 'likes given' } },
            y: { title: { display: true, text: 'test AUC' }, suggestedMin: 0.5, suggestedMax: 1 },
          },
        },
      });
    } else {
      this.chart.data.labels = labels;
      this.chart.data.datasets = datasets;
      this.chart.update();
    }
    this.canvas.setAttribute('aria-label', `Fold-in AUC by likes given: ${
      curve.points.map((point) => `${point.likes}: ${formatAuc(point.auc)}`).join(', ')}`);
  }
}
