// Step 4's "Model file" box: train once and ship the model. Download saves the engine's model as
// a .ttrm file; the picker loads one into the prepared data (the engine checks that its users and
// items match), evaluates it and hands it to the Results and Recommendations steps.
import type { Evaluation, ModelSummary, PrepareOptions, PreparedStats } from 'tripletrec';
import { byId, downloadBytes, el, formatBytes, formatInt, formatSeconds, setText, showError } from './dom';
import { isEngineCrash, stepErrorMessage } from './engine-crash';
import type { EngineState } from './engine-state';

export interface LoadedModel {
  fileName: string;
  summary: ModelSummary;
  evaluation: Evaluation;
  prepared: PreparedStats;
}

export interface ModelFileListener {
  /** True while a load owns the engine (other steps must not call it). */
  busy(running: boolean): void;
  /** The data was prepared again, which dropped the engine's model: results and lists are stale. */
  modelDropped(): void;
  loaded(model: LoadedModel): void;
}

export class ModelFileSection {
  private readonly downloadButton = byId<HTMLButtonElement>('download-model');
  private readonly fileInput = byId<HTMLInputElement>('model-file-input');
  private enabled = true;
  private saving = false;

  constructor(
    private readonly prepareOptions: () => PrepareOptions,
    private readonly state: EngineState,
    private readonly listener: ModelFileListener,
  ) {
    this.downloadButton.addEventListener('click', () => void this.download());
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      if (file) void this.load(file);
    });
  }

  /** A new data set: no model yet, old messages no longer apply. */
  clear(): void {
    setText('model-file-status', '');
    showError('model-file-error', null);
    this.refresh();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.refresh();
  }

  private refresh(): void {
    const hasModel = this.state.modelKind !== null && this.state.prepared !== null;
    this.downloadButton.disabled = !this.enabled || this.saving || !hasModel;
    this.fileInput.disabled = !this.enabled || this.state.current === null;
  }

  /** tripletrec-<kind>-<users>x<items>.ttrm: the name says which data the model fits. */
  private fileName(): string {
    const counts = this.state.prepared!.counts;
    return `tripletrec-${this.state.modelKind}-${counts.users}x${counts.items}.ttrm`;
  }

  private async download(): Promise<void> {
    const engine = this.state.current;
    if (!engine || this.state.modelKind === null || this.state.prepared === null) return;
    const name = this.fileName();
    this.saving = true;
    this.refresh();
    showError('model-file-error', null);
    try {
      // Bytes posted back by the worker always sit in a plain ArrayBuffer (never a shared one).
      const bytes = (await engine.saveModel()) as Uint8Array<ArrayBuffer>;
      downloadBytes(bytes, name);
      setText('model-file-status', `Saved ${name} (${formatBytes(bytes.byteLength)}).`);
    } catch (error) {
      showError('model-file-error', `Could not save the model: ${stepErrorMessage(error)}`);
    } finally {
      this.saving = false;
      this.refresh();
    }
  }

  private async load(file: File): Promise<void> {
    const engine = this.state.current;
    if (!engine) return;
    this.listener.busy(true);
    showError('model-file-error', null);
    try {
      const options = this.prepareOptions();
      let prepared = this.state.preparedWith(options);
      if (!prepared) {
        // prepare() drops the current model whatever happens next.
        if (this.state.modelKind !== null) this.listener.modelDropped();
        setText('model-file-status', 'Preparing the data with the Explore step’s options…');
        prepared = await this.state.prepare(engine, options);
      }
      setText('model-file-status', `Loading ${file.name} (${formatBytes(file.size)})…`);
      const started = performance.now();
      // The File goes to the worker as it is; the engine reads, checks and installs it.
      const summary = await engine.loadModel(file, file.name);
      this.state.modelReady(summary.kind);
      const loadSeconds = (performance.now() - started) / 1000;
      setText('model-file-status', `Evaluating ${file.name} on the test set…`);
      const evaluation = await engine.evaluate();
      this.listener.loaded({ fileName: file.name, summary, evaluation, prepared });
      setText('model-file-status', `Loaded ${file.name}: ${summary.kind}, ${formatInt(summary.params)} parameters, ` +
        `in ${formatSeconds(loadSeconds)} — no training needed.`);
    } catch (error) {
      const after = isEngineCrash(error) ? ''
        : this.state.modelKind !== null ? 'The current model is unchanged.'
        : 'There is no model now: train one, or load a file saved from this data with the same Explore options.';
      setText('model-file-status', '');
      showError('model-file-error', `Could not load the model: ${stripPeriod(stepErrorMessage(error))}. ${after}`.trim());
    } finally {
      this.fileInput.value = '';  // choosing the same file again must fire 'change' again
      this.listener.busy(false);
    }
  }
}

function stripPeriod(message: string): string {
  return message.replace(/\.\s*$/, '');
}
