// Step 7, "Your taste": a visitor searches items by name, picks likes and gets recommendations
// folded in live ("because you liked …"), from the model trained here or from a serving bundle
// alone (dropped, picked, or named by ?model=URL). Also the serving bundle's download and the
// fold-in AUC curve of held-out users. Every name from a file or a bundle is written as text.
import type { ItemView, Recommendation, ServingDtype, WorkerRecommender } from 'tripletrec';
import { byId, debounce, downloadBytes, el, formatBytes, formatInt, setText, showError } from './dom';
import { stepErrorMessage } from './engine-crash';
import { LikesChart, type LikesCurve } from './likes-chart';
import { itemName } from './recommend';

/** Suggestions shown under the search box. */
const maxSuggestions = 8;
/** Where the step's model comes from: trained in this tab, or a serving bundle loaded alone. */
export interface TasteSource {
  engine: WorkerRecommender;
  /** What the step says about the model ("the bilinear model trained here", "anime.safetensors"). */
  label: string;
  /** A model trained or loaded with its data can be exported as a bundle; a bundle is one already. */
  canExport: boolean;
  /** Names for the bundle's file ("bilinear-293items"). */
  fileStem: string;
}

export interface TasteListener {
  /** A bundle file chosen in this step's picker. */
  loadBundle(file: File): void;
}

export class TasteSection {
  private source: TasteSource | null = null;
  private likes: ItemView[] = [];
  private suggestions: ItemView[] = [];
  private active = -1;
  private enabled = true;
  private exporting = false;
  private curveChart: LikesChart | null = null;
  private searchSequence = 0;
  private recommendSequence = 0;
  private readonly search = byId<HTMLInputElement>('taste-search');
  private readonly suggestionList = byId<HTMLUListElement>('taste-suggestions');
  private readonly resetButton = byId<HTMLButtonElement>('taste-reset');
  private readonly downloadButton = byId<HTMLButtonElement>('taste-download');
  private readonly dtypeSelect = byId<HTMLSelectElement>('taste-dtype');
  private readonly bundleInput = byId<HTMLInputElement>('taste-bundle-input');

  constructor(private readonly listener: TasteListener) {
    this.search.addEventListener('input', debounce(() => void this.showSuggestions(), 120));
    this.search.addEventListener('keydown', (event) => this.onSearchKey(event));
    this.search.addEventListener('blur', () => setTimeout(() => this.closeSuggestions(), 150));
    this.resetButton.addEventListener('click', () => this.reset());
    this.downloadButton.addEventListener('click', () => void this.downloadBundle());
    this.bundleInput.addEventListener('change', () => {
      const file = this.bundleInput.files?.[0];
      this.bundleInput.value = '';  // choosing the same file again must fire 'change' again
      if (file) this.listener.loadBundle(file);
    });
    // A bundle dropped on this step (or on step 1's drop zone) replaces the step's model.
    const card = byId('step-taste').querySelector<HTMLElement>('.step-main')!;
    card.addEventListener('dragover', (event) => {
      event.preventDefault();
      if (this.enabled) card.classList.add('dragging');
    });
    card.addEventListener('dragleave', () => card.classList.remove('dragging'));
    card.addEventListener('drop', (event) => {
      event.preventDefault();
      card.classList.remove('dragging');
      const file = event.dataTransfer?.files[0];
      if (file && this.enabled) this.listener.loadBundle(file);
    });
  }

  get engine(): WorkerRecommender | null { return this.source?.engine ?? null; }

  /** The serving bundle's weight types, from the engine's option table (first is the default). */
  showDtypes(dtypes: readonly string[]): void {
    if (this.dtypeSelect.options.length > 0) return;
    this.dtypeSelect.replaceChildren(...dtypes.map((dtype) => new Option(dtype, dtype)));
  }

  /** A model to fold in against. A model retrained on the same engine keeps the likes (same
   * data, same ids); another engine (new data, a bundle) starts from none. */
  async activate(source: TasteSource): Promise<void> {
    if (source.engine !== this.source?.engine) this.likes = [];
    this.source = source;
    byId('step-taste').dataset.state = 'ready';
    setText('taste-source', `Recommendations from ${source.label}.`);
    this.search.placeholder = 'Type part of a name, e.g. its first letters';
    showError('taste-error', null);
    await this.refresh();
  }

  /** No model any more (new data, a dropped model): the step waits for one. */
  clear(): void {
    this.source = null;
    byId('step-taste').dataset.state = 'empty';
    setText('taste-source', 'Train a model (step 3), or load a serving bundle, to get recommendations for yourself.');
    this.search.placeholder = 'Train a model or load a bundle first';
    this.search.value = '';
    this.closeSuggestions();
    byId('taste-recs').replaceChildren();
    setText('taste-timing', '');
    setText('taste-bundle-status', '');
    showError('taste-error', null);
    this.renderLikes();
    this.refreshControls();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.refreshControls();
  }

  /** Forgets every like. */
  reset(): void {
    this.likes = [];
    this.search.value = '';
    this.closeSuggestions();
    void this.refresh();
  }

  private refreshControls(): void {
    const ready = this.enabled && this.source !== null;
    this.search.disabled = !ready;
    this.resetButton.disabled = !ready || this.likes.length === 0;
    this.dtypeSelect.disabled = !ready || !this.source?.canExport;
    this.downloadButton.disabled = !ready || this.exporting || !this.source?.canExport;
    this.bundleInput.disabled = !this.enabled;
  }

  // ---- search (autocomplete) ----
  private async showSuggestions(): Promise<void> {
    const engine = this.engine;
    const query = this.search.value.trim();
    const sequence = ++this.searchSequence;
    if (!engine || query === '') {
      this.closeSuggestions();
      return;
    }
    try {
      const found = await engine.searchItems(query, maxSuggestions + this.likes.length);
      if (sequence !== this.searchSequence) return;
      const liked = new Set(this.likes.map((item) => item.id));
      this.suggestions = found.filter((item) => !liked.has(item.id)).slice(0, maxSuggestions);
      this.active = this.suggestions.length > 0 ? 0 : -1;
      this.renderSuggestions(query);
    } catch (error) {
      if (sequence === this.searchSequence) showError('taste-error', stepErrorMessage(error));
    }
  }

  private renderSuggestions(query: string): void {
    const rows = this.suggestions.map((item, index) => {
      const meta = [item.type, item.genres].filter(Boolean).join(' · ');
      const row = el('li', { className: index === this.active ? 'suggestion active' : 'suggestion' }, [
        el('span', { className: 'item-name', text: itemName(item) }),
        meta ? el('span', { className: 'item-meta', text: meta }) : null,
      ]);
      row.id = `taste-suggestion-${index}`;
      row.setAttribute('role', 'option');
      row.setAttribute('aria-selected', String(index === this.active));
      row.dataset.itemId = String(item.id);
      // mousedown, not click: it fires before the search box's blur closes the list.
      row.addEventListener('mousedown', (event) => {
        event.preventDefault();
        this.pick(item);
      });
      return row;
    });
    if (rows.length === 0) rows.push(el('li', { className: 'suggestion none muted', text: `No item matches “${query}”.` }));
    this.suggestionList.replaceChildren(...rows);
    this.suggestionList.hidden = false;
    this.search.setAttribute('aria-expanded', 'true');
    if (this.active >= 0) this.search.setAttribute('aria-activedescendant', `taste-suggestion-${this.active}`);
    else this.search.removeAttribute('aria-activedescendant');
  }

  private closeSuggestions(): void {
    this.searchSequence++;
    this.suggestions = [];
    this.active = -1;
    this.suggestionList.hidden = true;
    this.suggestionList.replaceChildren();
    this.search.setAttribute('aria-expanded', 'false');
    this.search.removeAttribute('aria-activedescendant');
  }

  private onSearchKey(event: KeyboardEvent): void {
    const count = this.suggestions.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (count === 0) return;
      event.preventDefault();
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : count - 1)) % count;
      this.renderSuggestions(this.search.value.trim());
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const item = this.suggestions[this.active];
      if (item) this.pick(item);
    } else if (event.key === 'Escape') {
      this.closeSuggestions();
    }
  }

  // ---- likes ----
  private pick(item: ItemView): void {
    if (!this.likes.some((liked) => liked.id === item.id)) this.likes.push(item);
    this.search.value = '';
    this.closeSuggestions();
    this.search.focus();
    void this.refresh();
  }

  private remove(id: number): void {
    this.likes = this.likes.filter((item) => item.id !== id);
    void this.refresh();
  }

  private renderLikes(): void {
    const chips = this.likes.map((item) => {
      const remove = el('button', { className: 'like-remove', text: '×', title: 'Remove this like' });
      remove.type = 'button';
      remove.setAttribute('aria-label', `Remove ${itemName(item)}`);
      remove.addEventListener('click', () => this.remove(item.id));
      const chip = el('li', { className: 'like-chip' }, [el('span', { className: 'like-name', text: itemName(item) }), remove]);
      chip.dataset.itemId = String(item.id);
      return chip;
    });
    byId('taste-likes').replaceChildren(...chips);
    byId('taste-likes-empty').hidden = this.likes.length > 0;
    setText('taste-like-count', this.likes.length > 0 ? `(${this.likes.length})` : '');
  }

  // ---- recommendations ----
  /** Folds the likes in and shows the top k, each with the like that explains it most. */
  private async refresh(): Promise<void> {
    this.renderLikes();
    this.refreshControls();
    const engine = this.engine;
    const sequence = ++this.recommendSequence;
    if (!engine || this.likes.length === 0) {
      byId('taste-recs').replaceChildren();
      setText('taste-timing', '');
      return;
    }
    try {
      const started = performance.now();
      const recommendations = await engine.recommendFor(this.likes.map((item) => item.id));
      const milliseconds = performance.now() - started;
      if (sequence !== this.recommendSequence) return;
      byId('taste-recs').replaceChildren(...recommendations.map((item) => recommendationRow(item)));
      setText('taste-timing', `(fold-in of ${this.likes.length} like${this.likes.length === 1 ? '' : 's'} and top ${
        recommendations.length} in ${milliseconds.toFixed(0)} ms, worker round trip included)`);
      showError('taste-error', null);
    } catch (error) {
      if (sequence === this.recommendSequence) showError('taste-error', stepErrorMessage(error));
    }
  }

  // ---- the serving bundle ----
  private async downloadBundle(): Promise<void> {
    const source = this.source;
    if (!source?.canExport) return;
    const dtype = this.dtypeSelect.value as ServingDtype;
    const name = `tripletrec-serving-${source.fileStem}-${dtype}.safetensors`;
    this.exporting = true;
    this.refreshControls();
    showError('taste-error', null);
    try {
      // Bytes posted back by the worker always sit in a plain ArrayBuffer (never a shared one).
      const bytes = (await source.engine.exportServing({ dtype })) as Uint8Array<ArrayBuffer>;
      downloadBytes(bytes, name);
      setText('taste-bundle-status', `Saved ${name} (${formatBytes(bytes.byteLength)}).`);
    } catch (error) {
      showError('taste-error', `Could not export the bundle: ${stepErrorMessage(error)}`);
    } finally {
      this.exporting = false;
      this.refreshControls();
    }
  }

  /** While the held-out users are folded in (seconds on large data), the figure says so. */
  showCurvePending(heldOut: number): void {
    byId('taste-curve-figure').hidden = false;
    setText('taste-curve-note', `Folding in the ${formatInt(heldOut)} held-out users from 1, 3, 5, 10 and 20 of their likes…`);
  }

  /** The fold-in AUC against the number of likes (a run with held-out users), or null to hide it. */
  showCurve(curve: LikesCurve | null, heldOut = 0): void {
    const figure = byId('taste-curve-figure');
    figure.hidden = curve === null;
    if (curve === null) return;
    this.curveChart ??= new LikesChart(byId<HTMLCanvasElement>('taste-curve'));
    this.curveChart.show(curve);
    const users = curve.points[0]?.users ?? 0;
    setText('taste-curve-note', `${formatInt(heldOut)} users were kept out of training entirely and folded in afterwards ` +
      `(${formatInt(users)} of them have enough likes for every point of the curve). Folded in from all their likes they ` +
      `reach ${curve.foldInAuc.toFixed(3)}; the users the model was trained with reach ${curve.trainedAuc.toFixed(3)} ` +
      '(other users, so only a yardstick).');
  }

  /** What the picker or a drop is doing with a bundle, or what went wrong (the current model stays). */
  showBundleStatus(text: string): void { setText('taste-bundle-status', text); }
  showBundleError(message: string | null): void { showError('taste-error', message); }
}

function recommendationRow(item: Recommendation): HTMLLIElement {
  const meta = [item.type, item.genres].filter(Boolean).join(' · ');
  const because = item.because ? `because you liked ${item.because.name || `item #${item.because.id}`}` : '';
  return el('li', { className: 'item' }, [
    el('div', { className: 'item-text' }, [
      el('span', { className: 'item-name', text: itemName(item) }),
      because ? el('span', { className: 'item-because', text: because }) : null,
      meta ? el('span', { className: 'item-meta', text: meta }) : null,
    ]),
    Number.isFinite(item.score) ? el('span', { className: 'item-score', text: item.score.toFixed(3), title: 'model score' }) : null,
  ]);
}

/** "293 items" for the step's labels. */
export function itemCount(count: number): string {
  return `${formatInt(count)} item${count === 1 ? '' : 's'}`;
}
