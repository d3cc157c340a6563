// Step 5: what the model learned. The item vectors before and after training, projected to 2-D
// side by side (PCA in the engine, or UMAP in its own worker), coloured by genre or type, sized by
// popularity; hover names an item, a click lists its nearest neighbours and highlights them on
// both maps. Each map says how faithful it is (neighbours kept) and how genre-pure the
// neighbourhoods are.
import type { ItemVectors, ItemView, MapQuality, WorkerRecommender } from 'tripletrec';
import { byId, el, errorMessage, formatInt, setText, showError } from './dom';
import { MapChart, type MapStyle } from './map-chart';
import { itemName } from './recommend';
import { runUmap, UMAP_NEIGHBOURS } from './umap-client';

type Method = 'pca' | 'umap';
type Side = 'untrained' | 'trained';
const NEIGHBOURS = 10;
const UMAP_SEED = 42;
const palette = ['#4f46e5', '#dc2626', '#059669', '#d97706', '#0891b2', '#c026d3', '#65a30d', '#9f1239'];
const otherColour = '#9ca3af';

interface Colouring { colours: string[]; legend: { label: string; colour: string }[] }

const genresOf = (item: ItemView): string[] =>
  item.genres.split(',').map((genre) => genre.trim()).filter(Boolean);

/** Each item's most specific genre among the most frequent ones (multi-genre items need one colour). */
function colourByGenre(items: ItemView[]): Colouring {
  const frequency = new Map<string, number>();
  for (const item of items) for (const genre of genresOf(item)) frequency.set(genre, (frequency.get(genre) ?? 0) + 1);
  const top = [...frequency.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, palette.length).map(([genre]) => genre);
  const colours = items.map((item) => {
    const own = genresOf(item).filter((genre) => top.includes(genre));
    if (own.length === 0) return otherColour;
    const rarest = own.reduce((a, b) => ((frequency.get(a) ?? 0) <= (frequency.get(b) ?? 0) ? a : b));
    return palette[top.indexOf(rarest)];
  });
  return { colours, legend: [...top.map((genre, i) => ({ label: genre, colour: palette[i] })), { label: 'other / none', colour: otherColour }] };
}

function colourByType(items: ItemView[]): Colouring {
  const types = [...new Set(items.map((item) => item.type || '(none)'))].slice(0, palette.length);
  const colours = items.map((item) => {
    const index = types.indexOf(item.type || '(none)');
    return index < 0 ? otherColour : palette[index];
  });
  return { colours, legend: types.map((type, i) => ({ label: type, colour: palette[i] })) };
}

function styleFor(items: ItemView[], colouring: Colouring): MapStyle {
  const most = Math.max(1, ...items.map((item) => item.popularity));
  return {
    colours: colouring.colours,
    radii: items.map((item) => 2 + 6 * Math.sqrt(item.popularity / most)),
    labels: items.map((item) => {
      const genres = item.genres;
      return genres ? `${itemName(item)} (${genres})` : itemName(item);
    }),
  };
}

const share = (value: number): string => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : '–');

export class EmbeddingMapSection {
  private engine: WorkerRecommender | null = null;
  private vectors: Partial<Record<Side, ItemVectors>> = {};
  private maps: Partial<Record<`${Side}-${Method}`, { xy: Float32Array; quality: MapQuality }>> = {};
  private readonly charts: Record<Side, MapChart>;
  private readonly methodSelect = byId<HTMLSelectElement>('map-method');
  private readonly colourSelect = byId<HTMLSelectElement>('map-colour');
  private readonly cancelButton = byId<HTMLButtonElement>('map-cancel');
  private abort: AbortController | null = null;
  private sequence = 0;
  private selected: { item: number; side: Side } | null = null;

  constructor() {
    this.charts = {
      untrained: new MapChart(byId<HTMLCanvasElement>('map-untrained'), (item) => void this.select(item, 'untrained'),
        (item) => this.hover(item)),
      trained: new MapChart(byId<HTMLCanvasElement>('map-trained'), (item) => void this.select(item, 'trained'),
        (item) => this.hover(item)),
    };
    this.methodSelect.addEventListener('change', () => void this.show());
    this.colourSelect.addEventListener('change', () => this.redraw());
    this.cancelButton.addEventListener('click', () => this.abort?.abort());
  }

  clear(): void {
    this.abort?.abort();
    this.sequence += 1;  // whatever is still computing belongs to the old model
    this.engine = null;
    this.vectors = {};
    this.maps = {};
    this.selected = null;
    this.charts.untrained.clear();
    this.charts.trained.clear();
    for (const id of ['map-source', 'map-untrained-quality', 'map-trained-quality', 'map-status', 'map-hover']) setText(id, '');
    byId('map-neighbours').replaceChildren();
    byId('map-legend').replaceChildren();
    byId('step-map').dataset.state = 'empty';
    this.setEnabled(false);
  }

  setEnabled(enabled: boolean): void {
    const ready = enabled && this.engine !== null && this.abort === null;
    this.methodSelect.disabled = !ready;
    this.colourSelect.disabled = !(enabled && this.engine !== null);
  }

  /** A trained (or loaded) model: its vectors, and the untrained ones when the run kept them. */
  async activate(engine: WorkerRecommender, untrained: ItemVectors | null): Promise<void> {
    this.clear();
    const sequence = this.sequence;
    byId('step-map').dataset.state = 'computing';
    let trained: ItemVectors;
    try {
      trained = await engine.itemVectors();
    } catch (error) {
      showError('map-error', `The map failed: ${errorMessage(error)}`);
      return;
    }
    if (sequence !== this.sequence) return;
    this.engine = engine;
    this.vectors = { trained, ...(untrained ? { untrained } : {}) };
    setText('map-source', `Mapped: ${this.vectors.trained!.source}.`);
    if (!untrained) setText('map-untrained-quality', 'A loaded model has no untrained state to map.');
    this.setEnabled(true);
    await this.show();
  }

  private get method(): Method { return this.methodSelect.value === 'umap' ? 'umap' : 'pca'; }

  /** Computes what the chosen method still lacks (both sides), then draws. */
  private async show(): Promise<void> {
    const engine = this.engine;
    if (!engine || this.abort) return;
    const method = this.method;
    const sequence = ++this.sequence;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.setEnabled(true);
    this.cancelButton.hidden = method !== 'umap';
    showError('map-error', null);
    byId('step-map').dataset.state = 'computing';
    let cancelled = false;
    try {
      for (const side of ['untrained', 'trained'] as const) {
        const vectors = this.vectors[side];
        if (!vectors || this.maps[`${side}-${method}`]) continue;
        const label = side === 'untrained' ? 'untrained' : 'trained';
        const start = performance.now();
        setText('map-status', `${method.toUpperCase()} of the ${label} vectors…`);
        const xy = method === 'pca'
          ? await engine.pcaMap(vectors.values, vectors.dim)
          : await runUmap(vectors.values, vectors.dim, await engine.nearestNeighbours(vectors.values, vectors.dim, UMAP_NEIGHBOURS - 1), {
            seed: UMAP_SEED, signal,
            onProgress: (p) => setText('map-status', p.stage === 'graph'
              ? `UMAP of the ${label} vectors: fuzzy neighbour graph…`
              : `UMAP of the ${label} vectors: layout epoch ${p.done} of ${p.total}…`),
          });
        const seconds = (performance.now() - start) / 1000;
        const quality = await engine.mapQuality(vectors.values, vectors.dim, xy, NEIGHBOURS);
        if (sequence !== this.sequence) return;
        this.maps[`${side}-${method}`] = { xy, quality };
        byId(`map-${side}`).dataset.seconds = seconds.toFixed(3);
      }
      setText('map-status', '');
      this.redraw();
      byId('step-map').dataset.state = 'ready';
    } catch (error) {
      cancelled = error instanceof DOMException && error.name === 'AbortError';
      setText('map-status', '');
      if (!cancelled) showError('map-error', `The map failed: ${errorMessage(error)}`);
      byId('step-map').dataset.state = 'ready';
    } finally {
      this.abort = null;
      this.cancelButton.hidden = true;
      this.setEnabled(true);
    }
    // A cancelled UMAP falls back to the PCA maps (computed at once if they are not yet).
    if (cancelled && this.engine === engine) {
      this.methodSelect.value = 'pca';
      await this.show();
      setText('map-status', 'UMAP cancelled: the maps show PCA.');
    }
  }

  private redraw(): void {
    const items = this.vectors.trained?.items;
    if (!items) return;
    const colouring = this.colourSelect.value === 'type' ? colourByType(items) : colourByGenre(items);
    const style = styleFor(items, colouring);
    byId('map-legend').replaceChildren(...colouring.legend.map(({ label, colour }) =>
      el('li', {}, [Object.assign(el('span', { className: 'swatch' }), { style: `background:${colour}` }), el('span', { text: label })])));
    for (const side of ['untrained', 'trained'] as const) {
      const map = this.maps[`${side}-${this.method}`];
      if (!map) continue;
      this.charts[side].draw(map.xy, style);
      setText(`map-${side}-quality`, describeQuality(map.quality));
    }
    if (this.selected !== null) void this.select(this.selected.item, this.selected.side);
  }

  /** The hovered item's name as text too (the tooltip is drawn on the canvas, out of reach of screen readers). */
  private hover(item: number | null): void {
    const items = this.vectors.trained?.items;
    setText('map-hover', item === null || !items?.[item] ? '' : itemName(items[item]));
  }

  /** Lists an item's nearest neighbours (in the clicked map's vectors) and highlights them on both maps. */
  private async select(item: number, side: Side): Promise<void> {
    const engine = this.engine;
    const vectors = this.vectors[side];
    if (!engine || !vectors) return;
    const selected = { item, side };
    this.selected = selected;
    try {
      const neighbours = await engine.nearestRows(vectors.values, vectors.dim, item, NEIGHBOURS);
      if (engine !== this.engine || this.selected !== selected) return;
      for (const chart of Object.values(this.charts)) chart.highlight(item, neighbours);
      const items = vectors.items;
      setText('map-neighbours-title', `Nearest to ${itemName(items[item])} in the ${side} vectors`);
      byId('map-neighbours').replaceChildren(...neighbours.map((index) => {
        const neighbour = items[index];
        const shared = genresOf(neighbour).filter((genre) => genresOf(items[item]).includes(genre));
        return el('li', { className: 'item' }, [
          el('div', { className: 'item-text' }, [
            el('span', { className: 'item-name', text: itemName(neighbour) }),
            el('span', { className: 'item-meta', text: [neighbour.genres, neighbour.popularity > 0 ? `${formatInt(neighbour.popularity)} ratings` : ''].filter(Boolean).join(' · ') }),
          ]),
          shared.length > 0 ? el('span', { className: 'hit-mark', text: '●', title: `shares ${shared.join(', ')}` }) : null,
        ]);
      }));
    } catch (error) {
      showError('map-error', `Could not list the neighbours: ${errorMessage(error)}`);
    }
  }
}

function describeQuality(quality: MapQuality): string {
  const purity = Number.isFinite(quality.genrePurity)
    ? ` · genre purity of ${quality.k}-neighbourhoods ${share(quality.genrePurity)} (on the map ${share(quality.genrePurityOnMap)}, chance ${share(quality.genrePurityByChance)})`
    : '';
  return `${share(quality.neighboursKept)} of each item's ${quality.k} nearest neighbours stay nearest on the map${purity}`;
}
