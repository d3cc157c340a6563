// One embedding map: a Chart.js scatter of the items, coloured by category, sized by popularity,
// the item's name on hover, a click reported to the page, and the clicked item's neighbours
// highlighted.
import { Chart, LinearScale, PointElement, ScatterController, Tooltip, type ChartEvent, type TooltipItem } from 'chart.js';

Chart.register(ScatterController, PointElement, LinearScale, Tooltip);

export interface MapStyle {
  colours: string[];   // per item
  radii: number[];     // per item
  labels: string[];    // per item: hover text
}

const faded = 'rgba(160, 164, 180, 0.25)';
const highlightBorder = '#111827';

export class MapChart {
  private readonly chart: Chart<'scatter', { x: number; y: number }[]>;
  private style: MapStyle | null = null;
  private highlighted: ReadonlySet<number> | null = null;
  private selected: number | null = null;

  constructor(private readonly canvas: HTMLCanvasElement, onClick: (item: number) => void,
              onHover: (item: number | null) => void) {
    this.chart = new Chart(canvas, {
      type: 'scatter',
      data: { datasets: [{ data: [], pointBorderWidth: 0 }] },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: {
            displayColors: false,
            callbacks: { label: (item: TooltipItem<'scatter'>) => this.style?.labels[item.dataIndex] ?? '' },
          },
        },
        interaction: { mode: 'nearest', intersect: true },
        scales: { x: { ticks: { display: false }, grid: { display: false } }, y: { ticks: { display: false }, grid: { display: false } } },
        onHover: (_event: ChartEvent, elements) => onHover(elements[0]?.index ?? null),
        onClick: (event: ChartEvent) => {
          const [hit] = this.chart.getElementsAtEventForMode(event.native as Event, 'nearest', { intersect: true }, false);
          if (hit) onClick(hit.index);
        },
      },
    });
  }

  /** New coordinates (count × 2) and style; the highlight is kept. */
  draw(xy: Float32Array, style: MapStyle): void {
    this.style = style;
    const points: { x: number; y: number }[] = [];
    for (let i = 0; i < xy.length / 2; i++) points.push({ x: xy[2 * i], y: xy[2 * i + 1] });
    this.chart.data.datasets[0].data = points;
    this.applyStyle();
    this.canvas.dataset.points = String(points.length);
  }

  /** Highlights one item and its neighbours (null: none); the rest fade. */
  highlight(selected: number | null, neighbours: readonly number[]): void {
    this.selected = selected;
    this.highlighted = selected === null ? null : new Set([selected, ...neighbours]);
    this.applyStyle();
  }

  clear(): void {
    this.style = null;
    this.highlighted = null;
    this.selected = null;
    this.chart.data.datasets[0].data = [];
    this.chart.update();
    delete this.canvas.dataset.points;
  }

  /** Screen position of an item's point (for automation and tests). */
  pointPosition(item: number): { x: number; y: number } | null {
    const element = this.chart.getDatasetMeta(0).data[item];
    return element ? { x: element.x, y: element.y } : null;
  }

  private applyStyle(): void {
    const style = this.style;
    if (!style) return;
    const dataset = this.chart.data.datasets[0];
    const on = this.highlighted;
    dataset.pointBackgroundColor = on ? style.colours.map((colour, i) => (on.has(i) ? colour : faded)) : style.colours;
    dataset.pointRadius = on ? style.radii.map((r, i) => (i === this.selected ? r + 4 : on.has(i) ? r + 2 : r)) : style.radii;
    dataset.pointBorderWidth = on ? style.radii.map((_, i) => (on.has(i) ? 1.5 : 0)) : 0;
    dataset.pointBorderColor = highlightBorder;
    dataset.pointHoverRadius = style.radii.map((r) => r + 3);
    this.chart.update();
  }
}
