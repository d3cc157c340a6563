// Step 1: choosing data (file pickers, drag-and-drop, the built-in sample) and loading it into a
// fresh engine. A data set always goes into a new worker; the old one is kept until the new one
// has loaded, so a malformed file leaves the page working with its previous data.
import { WorkerRecommender } from 'tripletrec';
import type { LoadOptions, LoadStage, LoadTiming, PreprocessOptions, RatingStats } from 'tripletrec';
import { byId, errorMessage, formatBytes, formatInt, formatSeconds, setText, showError } from './dom';

export type DataSource =
  | { kind: 'sample' }
  | { kind: 'files'; ratings: File; items: File | null; users: File | null };

export interface LoadedData {
  engine: WorkerRecommender;
  label: string;
  isSample: boolean;
  hasItems: boolean;
  hasUsers: boolean;
  stats: RatingStats;
  /** Preprocessing that suits the sample (null for the user's files). */
  samplePreprocess: PreprocessOptions | null;
  loads: { file: string; info: LoadTiming }[];
}

export type StageReporter = (stage: string) => void;

/** Loads a data source into a new engine; on failure the new engine is terminated and the error rethrown. */
export async function loadIntoFreshEngine(source: DataSource, stage: StageReporter): Promise<LoadedData> {
  stage('Starting a fresh engine (WebAssembly in a Web Worker)…');
  const engine = await WorkerRecommender.create();
  try {
    const loads: LoadedData['loads'] = [];
    let samplePreprocess: PreprocessOptions | null = null;
    if (source.kind === 'sample') {
      stage('Generating the built-in sample…');
      loads.push({ file: 'built-in sample', info: await engine.loadSample() });
      samplePreprocess = await engine.samplePreprocessOptions();
    } else {
      loads.push(await loadFile(engine, source.ratings, 'ratings', stage));
      if (source.items) loads.push(await loadFile(engine, source.items, 'items', stage));
      if (source.users) loads.push(await loadFile(engine, source.users, 'users', stage));
    }
    stage('Computing statistics…');
    const stats = await engine.loadedStats();
    const label = source.kind === 'sample'
      ? 'Built-in sample (synthetic anime-style catalogue)'
      : [source.ratings.name, source.items?.name, source.users?.name].filter(Boolean).join(' + ');
    const hasItems = source.kind === 'sample' || source.items !== null;
    const hasUsers = source.kind === 'files' && source.users !== null;
    return { engine, label, isSample: source.kind === 'sample', hasItems, hasUsers, stats, samplePreprocess, loads };
  } catch (error) {
    engine.terminate();
    throw error;
  }
}

type FileRole = 'ratings' | 'items' | 'users';

async function loadFile(engine: WorkerRecommender, file: File, role: FileRole, stage: StageReporter) {
  // The File itself goes to the worker: the page's thread never reads its bytes (a 100 MB file
  // is read, copied into WebAssembly memory and parsed in the worker).
  const size = formatBytes(file.size);
  const stages: Record<LoadStage, string> = {
    transfer: `Handing ${file.name} (${size}) to the worker…`,
    read: `Reading ${file.name} (${size}) in the worker…`,
    copy: `Copying ${size} into WebAssembly memory…`,
    parse: `Parsing ${file.name} in the worker…`,
    done: `Parsed ${file.name}.`,
  };
  const options: LoadOptions = { onProgress: (progress) => stage(stages[progress.stage]) };
  const load = { ratings: engine.loadRatings, items: engine.loadItems, users: engine.loadUsers }[role];
  const info = await load.call(engine, file, file.name, options);
  return { file: file.name, info };
}

/** Guesses what a dropped file holds (by name, then by its first line). */
async function roleOf(file: File): Promise<FileRole> {
  const name = file.name.toLowerCase();
  if (/rating|u\.data/.test(name)) return 'ratings';
  if (/user/.test(name)) return 'users';
  if (/item|movie|anime|meta/.test(name)) return 'items';
  const firstLine = (await file.slice(0, 1024).text()).split(/\r?\n/)[0].toLowerCase();
  if (/gender|occupation|\bage\b/.test(firstLine)) return 'users';
  return /name|title|genre/.test(firstLine) ? 'items' : 'ratings';
}

/** A safetensors file (a serving bundle): an 8-byte little-endian header length, then a JSON header. */
export async function looksLikeBundle(file: File): Promise<boolean> {
  if (file.name.toLowerCase().endsWith('.safetensors')) return true;
  const head = new Uint8Array(await file.slice(0, 9).arrayBuffer());
  if (head.length < 9 || head[8] !== 0x7b) return false;  // '{'
  const headerLength = new DataView(head.buffer).getBigUint64(0, true);
  return headerLength >= 2n && headerLength <= BigInt(file.size - 8);
}

function setInputFile(input: HTMLInputElement, file: File): void {
  const transfer = new DataTransfer();
  transfer.items.add(file);
  input.files = transfer.files;
}

/** The Load step's controls. `load` does the work and reports success. */
export class LoadSection {
  private readonly ratingsInput = byId<HTMLInputElement>('ratings-file');
  private readonly itemsInput = byId<HTMLInputElement>('items-file');
  private readonly usersInput = byId<HTMLInputElement>('users-file');
  private readonly loadFilesButton = byId<HTMLButtonElement>('load-files');
  private readonly sampleButton = byId<HTMLButtonElement>('load-sample');
  private readonly dropZone = byId('drop-zone');
  private enabled = true;

  constructor(private readonly load: (source: DataSource) => Promise<boolean>,
              private readonly loadBundle: (file: File) => void = () => {}) {
    this.ratingsInput.addEventListener('change', () => this.refreshButtons());
    this.itemsInput.addEventListener('change', () => this.refreshButtons());
    this.usersInput.addEventListener('change', () => this.refreshButtons());
    this.loadFilesButton.addEventListener('click', () => void this.loadChosenFiles());
    this.sampleButton.addEventListener('click', () => void this.load({ kind: 'sample' }));
    this.setUpDropZone();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.ratingsInput.disabled = !enabled;
    this.itemsInput.disabled = !enabled;
    this.usersInput.disabled = !enabled;
    this.sampleButton.disabled = !enabled;
    this.dropZone.classList.toggle('disabled', !enabled);
    this.refreshButtons();
  }

  showStage(stage: string | null): void {
    byId('load-progress').hidden = stage === null;
    setText('load-stage', stage ?? '');
  }

  showError(message: string | null): void {
    showError('load-error', message);
  }

  showLoaded(data: LoadedData): void {
    const parts = data.isSample
      ? [`${formatInt(data.loads[0].info.rows)} ratings generated in ${formatSeconds(data.loads[0].info.seconds)}`]
      : data.loads.map(({ file, info }) =>
        `${file}: ${formatInt(info.rows)} rows, ${formatBytes(info.bytes)} read and parsed in ` +
        formatSeconds((info.readSeconds ?? 0) + info.seconds));
    setText('dataset-label', `Loaded: ${data.label} — ${parts.join(' · ')}`);
    this.sampleButton.textContent = data.isSample ? 'Reload the built-in sample' : 'Load the built-in sample';
  }

  private refreshButtons(): void {
    this.loadFilesButton.disabled = !this.enabled || !this.ratingsInput.files?.length;
  }

  private async loadChosenFiles(): Promise<void> {
    const ratings = this.ratingsInput.files?.[0];
    if (!ratings) return;
    await this.load({
      kind: 'files', ratings, items: this.itemsInput.files?.[0] ?? null, users: this.usersInput.files?.[0] ?? null,
    });
  }

  private setUpDropZone(): void {
    const zone = this.dropZone;
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      if (this.enabled) zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('dragging');
      if (!this.enabled) return;
      void this.takeDroppedFiles([...(event.dataTransfer?.files ?? [])]);
    });
  }

  private async takeDroppedFiles(files: File[]): Promise<void> {
    // A serving bundle needs no data: the Your taste step loads it into an engine of its own.
    const bundle = files.length === 1 ? files[0] : undefined;
    if (bundle && await looksLikeBundle(bundle)) {
      this.loadBundle(bundle);
      return;
    }
    let droppedRatings = false;
    const inputs: Record<FileRole, HTMLInputElement> = {
      ratings: this.ratingsInput, items: this.itemsInput, users: this.usersInput,
    };
    for (const file of files.slice(0, 3)) {
      const role = await roleOf(file);
      setInputFile(inputs[role], file);
      droppedRatings ||= role === 'ratings';
    }
    if (files.length === 1 && droppedRatings) {  // a lone ratings file: no metadata
      this.itemsInput.value = '';
      this.usersInput.value = '';
    }
    this.refreshButtons();
    if (droppedRatings) await this.loadChosenFiles();
    else this.showError(null);
  }
}

export function describeLoadError(error: unknown): string {
  return `Could not load the data: ${errorMessage(error)}. The previous data is still loaded.`;
}
