// Step 3: model and training controls, and the run itself: prepare the data, create the model,
// evaluate it untrained, train with live progress (cancellable), evaluate it trained.
import type {
  Evaluation, FeatureField, ItemVectors, ModelKind, ModelOptions, ModelSummary, NegativeSampling, PrepareOptions,
  PreparedStats, TrainOptions, TrainProgress, TrainResult, WorkerRecommender,
} from 'tripletrec';
import { LossChart, type RunCurves } from './charts';
import { byId, el, formatAuc, formatInt, formatRate, formatSeconds, numberValue, setText, showError } from './dom';
import { stepErrorMessage } from './engine-crash';
import { engineDefaults } from './engine-defaults';
import type { EngineState } from './engine-state';

export interface RunRecord {
  model: ModelKind;
  /** The side-feature fields of the model ("genre, type"), '' for ids only. */
  features: string;
  /** Dense Adam as Keras (every row every step) instead of updating only the rows a batch touched. */
  kerasExact: boolean;
  negatives: NegativeSampling;
  epochsPlanned: number;
  prepared: PreparedStats;
  summary: ModelSummary;
  before: Evaluation;
  after: Evaluation;
  /** The item vectors before training, for the embedding map's "before" side. */
  untrainedVectors: ItemVectors;
  result: TrainResult;
}

export interface TrainListener {
  /** True while a run owns the engine (other steps must not call it). */
  busy(running: boolean): void;
  untrained(before: Evaluation, summary: ModelSummary): void;
  finished(run: RunRecord): void;
}

export class TrainSection {
  private readonly lossChart = new LossChart();
  private readonly trainButton = byId<HTMLButtonElement>('train');
  private readonly cancelButton = byId<HTMLButtonElement>('cancel');
  private readonly form = byId<HTMLFormElement>('model-form');
  private engine: WorkerRecommender | null = null;
  private abort: AbortController | null = null;
  private latestProgress: TrainProgress | null = null;
  private renderQueued = false;
  private lastChartDraw = 0;
  private lastChartEpochs = -1;
  private lastRun: RunCurves | null = null;

  constructor(
    private readonly prepareOptions: () => PrepareOptions,
    private readonly state: EngineState,
    private readonly listener: TrainListener,
  ) {
    this.form.addEventListener('submit', (event) => event.preventDefault());
    for (const radio of this.form.querySelectorAll<HTMLInputElement>('input[name="model"]')) {
      radio.addEventListener('change', () => this.switchModel(this.modelKind()));
    }
    this.trainButton.addEventListener('click', () => void this.run());
    this.cancelButton.addEventListener('click', () => {
      this.abort?.abort();
      this.cancelButton.disabled = true;
      this.showStage('Cancelling after the current batch…');
    });
  }

  /** A new data set: training starts from scratch on it. */
  setEngine(engine: WorkerRecommender | null): void {
    this.engine = engine;
    this.trainButton.disabled = engine === null;
    setText('prepared-info', '');
    this.resetProgress();
    this.lastRun = null;
    this.lossChart.start('', null);
  }

  setEnabled(enabled: boolean): void {
    this.trainButton.disabled = !enabled || this.engine === null;
    for (const control of this.form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) control.disabled = !enabled;
  }

  private modelKind(): ModelKind {
    return (this.form.querySelector<HTMLInputElement>('input[name="model"]:checked')?.value ?? 'bilinear') as ModelKind;
  }

  /** Fills every control with the engine's defaults (for the model chosen). */
  showDefaults(): void {
    const kind = this.modelKind();
    const model = engineDefaults().createModel[kind];
    const training = engineDefaults().train[kind];
    const bilinear = engineDefaults().createModel.bilinear;
    const deep = engineDefaults().createModel.deep;
    const fm = engineDefaults().createModel.fm;
    byId<HTMLInputElement>('embedding-dim').value = String(bilinear.embeddingDim);
    byId<HTMLInputElement>('fm-factors').value = String(fm.embeddingDim);
    byId<HTMLInputElement>('features-only').checked = !model.idEmbeddings;
    this.checkFields('item-feature', model.itemFeatures);
    this.checkFields('user-feature', model.userFeatures);
    byId<HTMLSelectElement>('similarity').value = bilinear.similarity;
    byId<HTMLInputElement>('user-dim').value = String(deep.userDim);
    byId<HTMLInputElement>('item-dim').value = String(deep.itemDim);
    byId<HTMLInputElement>('hidden').value = deep.hidden.join(',');
    byId<HTMLInputElement>('dropout').value = String(deep.dropout);
    byId<HTMLInputElement>('learning-rate').value = String(model.learningRate);
    byId<HTMLInputElement>('keras-exact').checked = model.kerasExact;
    byId<HTMLInputElement>('batch-size').value = String(training.batchSize);
    byId<HTMLSelectElement>('negatives').value = training.negatives;
    byId<HTMLInputElement>('train-seed').value = String(training.seed);
    this.switchModel(kind);
  }

  private switchModel(kind: ModelKind): void {
    for (const fieldset of this.form.querySelectorAll<HTMLFieldSetElement>('fieldset[data-model]')) {
      fieldset.hidden = fieldset.dataset.model !== kind;
    }
    // The notebook's margin, L2 and epochs differ per model: switching restores the model's.
    byId<HTMLInputElement>('margin').value = String(engineDefaults().createModel[kind].margin);
    byId<HTMLInputElement>('l2').value = String(engineDefaults().createModel[kind].l2);
    byId<HTMLInputElement>('epochs').value = String(engineDefaults().train[kind].epochs);
  }

  /**
   * A checkbox per feature field the prepared data has (its vocabulary), for items and users.
   * Fields keep their ticks across data sets; names come from files, so they are set as text.
   */
  showFeatureFields(prepared: PreparedStats | null): void {
    const vocabulary = prepared?.vocabulary;
    this.fillFields('item-feature', vocabulary?.itemFields ?? [], vocabulary?.items ?? 0, 'items',
                    prepared ? 'The item file has no feature fields.' : 'Load an item metadata file.');
    this.fillFields('user-feature', vocabulary?.userFields ?? [], vocabulary?.users ?? 0, 'users',
                    prepared ? 'Load a user metadata file (u.user, users.dat).' : 'Load a user metadata file.');
  }

  private fillFields(name: 'item-feature' | 'user-feature', fields: FeatureField[], rows: number, noun: string,
                     empty: string): void {
    const box = byId(`${name}-fields`);
    const ticked = new Set(this.checkedFields(name));
    if (fields.length === 0) {
      box.replaceChildren(el('span', { className: 'muted small', text: empty }));
      return;
    }
    box.replaceChildren(...fields.map((field) => {
      const input = el('input');
      input.type = 'checkbox';
      input.name = name;
      input.value = field.field;
      input.checked = ticked.has(field.field);
      const shown = field.values.slice(0, 6).map((value) => value.value).join(', ');
      return el('label', {
        className: 'check',
        title: `${field.values.length} values on ${formatInt(field.rowsWithValue)} of ${formatInt(rows)} ${noun}: ${shown}` +
               (field.values.length > 6 ? ', …' : ''),
      }, [input, document.createTextNode(` ${field.field} `),
        el('span', { className: 'muted small', text: `(${field.values.length})` })]);
    }));
  }

  private checkedFields(name: 'item-feature' | 'user-feature'): string[] {
    return [...this.form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((input) => input.value);
  }

  private checkFields(name: 'item-feature' | 'user-feature', fields: string[]): void {
    for (const input of this.form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)) {
      input.checked = fields.includes(input.value);
    }
  }

  // Values go to the engine as typed (no rounding or clamping here): it checks them and names the
  // option that is wrong. An empty field means the engine's default.
  private modelOptions(): ModelOptions {
    const kind = this.modelKind();
    const defaults = engineDefaults().createModel[kind];
    const shared = {
      model: kind,
      itemFeatures: this.checkedFields('item-feature'),
      userFeatures: this.checkedFields('user-feature'),
      idEmbeddings: !byId<HTMLInputElement>('features-only').checked,
      margin: numberValue('margin', defaults.margin),
      l2: numberValue('l2', defaults.l2),
      learningRate: numberValue('learning-rate', defaults.learningRate),
      kerasExact: byId<HTMLInputElement>('keras-exact').checked,
      seed: numberValue('train-seed', defaults.seed),
    };
    if (kind === 'fm') return { ...shared, embeddingDim: numberValue('fm-factors', defaults.embeddingDim) };
    if (kind === 'bilinear') {
      return {
        ...shared,
        embeddingDim: numberValue('embedding-dim', defaults.embeddingDim),
        similarity: byId<HTMLSelectElement>('similarity').value as 'cosine' | 'dot',
      };
    }
    return {
      ...shared,
      userDim: numberValue('user-dim', defaults.userDim),
      itemDim: numberValue('item-dim', defaults.itemDim),
      hidden: layerSizes(byId<HTMLInputElement>('hidden').value, defaults.hidden),
      dropout: numberValue('dropout', defaults.dropout),
    };
  }

  private trainOptions(): Omit<TrainOptions, 'onProgress' | 'signal'> & { epochs: number; negatives: NegativeSampling } {
    const defaults = engineDefaults().train[this.modelKind()];
    return {
      epochs: numberValue('epochs', defaults.epochs),
      batchSize: numberValue('batch-size', defaults.batchSize),
      seed: numberValue('train-seed', defaults.seed),
      negatives: byId<HTMLSelectElement>('negatives').value as NegativeSampling,
      evaluateEachEpoch: byId<HTMLInputElement>('eval-each-epoch').checked,
    };
  }

  private async run(): Promise<void> {
    const engine = this.engine;
    if (!engine || this.abort) return;
    const modelOptions = this.modelOptions();
    const trainOptions = this.trainOptions();
    this.abort = new AbortController();
    showError('train-error', null);
    this.listener.busy(true);
    this.cancelButton.disabled = false;
    this.resetProgress();
    try {
      this.showStage('Preparing the data: filters, train/test split, positives…');
      const prepared = await this.state.prepare(engine, this.prepareOptions());
      setText('prepared-info', describePrepared(prepared));
      this.showFeatureFields(prepared);
      if (prepared.trainPositives === 0) throw new Error('no positive ratings in the training set: lower the positive threshold or loosen the filters');

      this.showStage('Creating the model…');
      const summary = await engine.createModel(modelOptions);
      this.state.modelReady(summary.kind);
      this.showStage('Evaluating the untrained model (per-user AUC)…');
      const before = await engine.evaluate();
      const untrainedVectors = await engine.itemVectors();
      this.listener.untrained(before, summary);

      const label = `${modelOptions.model} (this run)`;
      this.lossChart.start(label, this.lastRun);
      setText('train-auc', trainOptions.evaluateEachEpoch ? '–' : 'off');
      this.showStage(`Training the ${modelOptions.model} model…`);
      const result = await engine.train({
        ...trainOptions,
        signal: this.abort.signal,
        onProgress: (progress) => this.queueProgress(progress),
      });
      this.latestProgress = null;  // a frame still queued must not draw older progress over the result
      this.renderProgress(result);
      this.lastRun = { label: `${modelOptions.model} (previous run)`, losses: result.epochLosses, aucs: result.epochAucs };

      this.showStage('Evaluating the trained model…');
      const after = await engine.evaluate();
      this.listener.finished({
        model: modelOptions.model ?? 'bilinear',
        features: [modelOptions.itemFeatures ?? [], modelOptions.userFeatures ?? []].flat().join(', '),
        kerasExact: modelOptions.kerasExact ?? false, negatives: trainOptions.negatives, epochsPlanned: trainOptions.epochs,
        prepared, summary, before, after, result, untrainedVectors,
      });
    } catch (error) {
      showError('train-error', `Training failed: ${stepErrorMessage(error)}`);
    } finally {
      this.abort = null;
      this.cancelButton.disabled = true;
      this.showStage(null);
      this.listener.busy(false);
    }
  }

  /** Progress events can come faster than frames: keep the latest and draw once per frame. */
  private queueProgress(progress: TrainProgress): void {
    this.latestProgress = progress;
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      if (this.latestProgress) this.renderProgress(this.latestProgress);
    });
  }

  private renderProgress(progress: TrainProgress | TrainResult): void {
    const bar = byId<HTMLProgressElement>('train-progress');
    if ('epoch' in progress) {
      const done = progress.epoch + (progress.batchesPerEpoch > 0 ? progress.batch / progress.batchesPerEpoch : 0);
      bar.value = progress.epochs > 0 ? Math.min(1, done / progress.epochs) : 0;
      setText('train-epoch', `${Math.min(progress.epoch + 1, progress.epochs)} / ${progress.epochs}`);
      setText('train-loss', progress.loss.toFixed(4));
      setText('train-elapsed', formatSeconds(progress.elapsedSeconds));
      setText('train-speed', formatRate(progress.tripletsPerSecond));
      setText('train-threads', String(progress.threads));
      // Redrawing the chart is the costliest part of a frame (tens of ms on a busy machine): at a
      // new epoch, at most every 300 ms, and every 1.5 s within a long epoch.
      const now = performance.now();
      const sinceDraw = now - this.lastChartDraw;
      const newEpoch = progress.epochLosses.length !== this.lastChartEpochs;
      if ((newEpoch && sinceDraw > 300) || sinceDraw > 1500) {
        this.lastChartDraw = now;
        this.lastChartEpochs = progress.epochLosses.length;
        const inEpoch = progress.epoch < progress.epochs && progress.batch > 0;
        this.lossChart.show(progress.epochLosses, inEpoch ? progress.loss : null, progress.epochAucs);
      }
      this.showEpochAuc(progress.epochAucs);
    } else {
      bar.value = progress.cancelled ? bar.value : 1;
      const last = progress.epochLosses.at(-1);
      setText('train-epoch', progress.cancelled ? `${progress.epochsCompleted} (cancelled)` : String(progress.epochsCompleted));
      if (last !== undefined) setText('train-loss', last.toFixed(4));
      setText('train-elapsed', formatSeconds(progress.seconds));
      setText('train-speed', formatRate(progress.tripletsPerSecond));
      setText('train-threads', String(progress.threads));
      this.lossChart.show(progress.epochLosses, null, progress.epochAucs);
      this.showEpochAuc(progress.epochAucs);
    }
  }

  /** The latest epoch's test AUC; the tile keeps "off" when the run does not evaluate per epoch. */
  private showEpochAuc(epochAucs: number[]): void {
    const last = epochAucs.at(-1);
    if (last !== undefined) setText('train-auc', formatAuc(last));
  }

  private resetProgress(): void {
    this.latestProgress = null;
    this.lastChartEpochs = -1;
    byId<HTMLProgressElement>('train-progress').value = 0;
    for (const id of ['train-epoch', 'train-loss', 'train-elapsed', 'train-speed', 'train-auc']) setText(id, '–');
  }

  private showStage(stage: string | null): void {
    byId('train-stage-line').hidden = stage === null;
    setText('train-stage', stage ?? '');
  }
}

function describePrepared(prepared: PreparedStats): string {
  const { counts } = prepared;
  return `${formatInt(counts.users)} users × ${formatInt(counts.items)} items · ` +
    `${formatInt(prepared.trainPositives)} train positives (triplets per epoch) · ${formatInt(prepared.testPositives)} test positives` +
    (prepared.coldItems > 0 ? ` · ${formatInt(prepared.coldItems)} cold items held out of training` : '');
}

/** "128,64" as layer sizes; an empty field is the engine's default. Sizes go to the engine as typed. */
function layerSizes(text: string, fallback: number[]): number[] {
  if (text.trim() === '') return fallback;
  return text.split(',').map((part) => Number(part.trim()));
}
