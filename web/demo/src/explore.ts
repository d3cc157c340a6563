// Step 2: counts and charts of the loaded data, the preprocessing controls with the notebook's
// defaults, and live counts of what each filter keeps (engine.preview, debounced).
import type { Counts, PrepareOptions, PreprocessOptions, PreprocessReport, WorkerRecommender } from 'tripletrec';
import { DataCharts } from './charts';
import { byId, debounce, formatInt, numberValue, setText, showError } from './dom';
import { stepErrorMessage } from './engine-crash';
import { engineDefaults } from './engine-defaults';
import type { LoadedData } from './load';

const itemTypes = ['TV', 'Movie', 'OVA', 'ONA', 'Special', 'Music', 'any'];

export class ExploreSection {
  private readonly charts = new DataCharts();
  private readonly form = byId<HTMLFormElement>('prep-form');
  private engine: WorkerRecommender | null = null;
  private previewSequence = 0;
  private sampleDefaults: PrepareOptions | null = null;
  private readonly schedulePreview = debounce(() => void this.runPreview(), 200);

  /** `usable`: a preview found data left after the filters (so prepare() with them would work). */
  constructor(private readonly usable: () => void = () => {}) {
    const select = byId<HTMLSelectElement>('item-type');
    select.replaceChildren(...itemTypes.map((type) => new Option(type, type)));
    this.form.addEventListener('input', () => this.schedulePreview());
    this.form.addEventListener('change', () => this.schedulePreview());
    this.form.addEventListener('submit', (event) => event.preventDefault());
    byId('user-bound').addEventListener('change', () => this.syncUserBound());
    byId('notebook-defaults').addEventListener('click', () => this.applyOptions(engineDefaults().prepare));
    byId('sample-defaults').addEventListener('click', () => {
      if (this.sampleDefaults) this.applyOptions(this.sampleDefaults);
    });
  }

  /** Shows a newly loaded data set and picks the controls' starting values for it (unless keepSettings). */
  showData(data: LoadedData, { keepSettings = false } = {}): void {
    this.engine = data.engine;
    const { counts } = data.stats;
    setText('count-users', formatInt(counts.users));
    setText('count-items', formatInt(counts.items));
    setText('count-ratings', formatInt(counts.ratings));
    this.charts.show(data.stats);
    byId('unrated-note').hidden = !data.stats.histogram.some((h) => h.value === -1);

    byId<HTMLSelectElement>('item-type').disabled = !data.hasItems;
    byId<HTMLSelectElement>('item-type').title = data.hasItems ? '' : 'Needs an item metadata file';
    this.sampleDefaults = data.samplePreprocess ? { ...engineDefaults().prepare, ...data.samplePreprocess } : null;
    byId('sample-defaults').hidden = this.sampleDefaults === null;
    if (keepSettings) void this.runPreview();
    else this.applyOptions(this.sampleDefaults ?? defaultsForFile(data));
  }

  setEnabled(enabled: boolean): void {
    for (const control of this.form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('input, select, button')) {
      control.disabled = !enabled || (control.id === 'item-type' && control.title !== '');
    }
    if (enabled) this.syncUserBound();
  }

  // Values go to the engine as typed: it checks them (ranges, integers) and says what is wrong.
  preprocessOptions(): PreprocessOptions {
    const defaults = engineDefaults().prepare;
    const userBound = byId<HTMLInputElement>('user-bound').checked;
    return {
      dropUnrated: byId<HTMLInputElement>('drop-unrated').checked,
      itemType: byId<HTMLSelectElement>('item-type').value,
      minPopularity: numberValue('min-popularity', defaults.minPopularity),
      maxUserId: userBound ? numberValue('max-user-id', defaults.maxUserId ?? Number.NaN) : null,
    };
  }

  prepareOptions(): PrepareOptions {
    const defaults = engineDefaults().prepare;
    return {
      ...this.preprocessOptions(),
      minPositive: numberValue('min-positive', defaults.minPositive),
      testFraction: numberValue('test-fraction', defaults.testFraction),
      splitSeed: numberValue('split-seed', defaults.splitSeed),
      coldItems: numberValue('cold-items', defaults.coldItems),
      holdoutUsers: numberValue('holdout-users', defaults.holdoutUsers),
    };
  }

  private applyOptions(options: PrepareOptions): void {
    const defaults = engineDefaults().prepare;
    const merged = { ...defaults, ...options };
    byId<HTMLInputElement>('drop-unrated').checked = merged.dropUnrated;
    byId<HTMLSelectElement>('item-type').value = itemTypes.includes(merged.itemType) ? merged.itemType : 'any';
    byId<HTMLInputElement>('min-popularity').value = String(merged.minPopularity);
    byId<HTMLInputElement>('user-bound').checked = merged.maxUserId !== null && merged.maxUserId !== undefined;
    byId<HTMLInputElement>('max-user-id').value = String(merged.maxUserId ?? defaults.maxUserId ?? '');
    byId<HTMLInputElement>('min-positive').value = String(merged.minPositive);
    byId<HTMLInputElement>('test-fraction').value = String(merged.testFraction);
    byId<HTMLInputElement>('split-seed').value = String(merged.splitSeed);
    byId<HTMLInputElement>('cold-items').value = String(merged.coldItems);
    byId<HTMLInputElement>('holdout-users').value = String(merged.holdoutUsers);
    this.syncUserBound();
    void this.runPreview();
  }

  private syncUserBound(): void {
    byId<HTMLInputElement>('max-user-id').disabled = !byId<HTMLInputElement>('user-bound').checked;
  }

  /** Asks the engine what each filter keeps; a late answer for older options is dropped. */
  private async runPreview(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    const sequence = ++this.previewSequence;
    byId('preview-busy').hidden = false;
    try {
      const report = await engine.preview(this.preprocessOptions());
      if (sequence !== this.previewSequence || engine !== this.engine) return;
      showReport(report);
      showError('preview-error', report.ratingFilter.ratings === 0
        ? 'Nothing is left after these filters: lower the popularity threshold or widen the item type.'
        : null);
      if (report.ratingFilter.ratings > 0) this.usable();
    } catch (error) {
      // Invalid options (the engine's message says which); counts that reach zero are no error.
      if (sequence !== this.previewSequence) return;
      clearReport();
      showError('preview-error', stepErrorMessage(error));
    } finally {
      if (sequence === this.previewSequence) byId('preview-busy').hidden = true;
    }
  }
}

/** The notebook's settings, adapted where they cannot fit the file (e.g. MovieLens' 0.5-5 stars). */
function defaultsForFile(data: LoadedData): PrepareOptions {
  const maxRating = Math.max(...data.stats.histogram.map((h) => h.value));
  const fivePointScale = maxRating <= 5;
  const notebook = engineDefaults().prepare;
  return {
    ...notebook,
    itemType: data.hasItems && !fivePointScale ? notebook.itemType : 'any',
    minPositive: fivePointScale ? 4 : notebook.minPositive,  // the MovieLens labs' rating >= 4
    // MovieLens files have no item with 5000 ratings: keep items with a little data instead.
    minPopularity: fivePointScale ? 10 : notebook.minPopularity,
  };
}

function clearReport(): void {
  for (const cell of byId('funnel').querySelectorAll('tbody td')) cell.textContent = '–';
}

function showReport(report: PreprocessReport): void {
  const rows = byId('funnel').querySelectorAll<HTMLTableRowElement>('tbody tr');
  for (const row of rows) {
    const counts: Counts = report[row.dataset.step as keyof PreprocessReport];
    const cells = row.querySelectorAll('td');
    cells[0].textContent = formatInt(counts.users);
    cells[1].textContent = formatInt(counts.items);
    cells[2].textContent = formatInt(counts.ratings);
  }
}
