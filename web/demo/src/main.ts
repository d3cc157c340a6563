// The demo page: wires the steps together around one engine (a WorkerRecommender per data set).
import { ExploreSection } from './explore';
import { WorkerRecommender } from 'tripletrec';
import { byId, errorMessage, formatBytes, formatInt, formatSeconds } from './dom';
import { onEngineCrash, stepErrorMessage } from './engine-crash';
import { fetchEngineDefaults } from './engine-defaults';
import { EmbeddingMapSection } from './embedding-map';
import { EngineState } from './engine-state';
import { describeLoadError, LoadSection, loadIntoFreshEngine, type DataSource, type LoadedData } from './load';
import { ModelFileSection } from './model-file';
import { RecommendSection } from './recommend';
import { ResultsSection } from './results';
import { TasteSection } from './taste';
import { TrainSection, type RunRecord } from './train';

let current: LoadedData | null = null;
/** Where the current data came from: after an engine crash it is loaded again into a fresh engine. */
let currentSource: DataSource | null = null;
const engineState = new EngineState();

const explore = new ExploreSection(() => {
  if (current && fieldsListedFor !== current.engine && document.body.dataset.busy !== 'true') void listFeatureFields(current.engine);
});
const results = new ResultsSection();
const recommend = new RecommendSection();
const map = new EmbeddingMapSection();
const taste = new TasteSection({ loadBundle: (file) => void loadBundle(file, file.name) });
/** The engine of a serving bundle loaded alone (its own worker), while the Your taste step uses it. */
let bundleEngine: WorkerRecommender | null = null;
const train = new TrainSection(() => explore.prepareOptions(), engineState, {
  busy: setBusy,
  untrained(before, summary) {
    fieldsListedFor = current?.engine ?? null;  // the run listed the fields of its preparation
    results.showUntrained(before, summary);
    map.clear();
  },
  finished(run) {
    results.showRun(run);
    if (current) {
      void recommend.activate(current.engine, run.prepared.counts.items);
      void map.activate(current.engine, run.untrainedVectors);
      void tasteFromTraining(current.engine, run);
    }
  },
});
const modelFile = new ModelFileSection(() => explore.prepareOptions(), engineState, {
  busy: setBusy,
  modelDropped() {
    results.clear();
    recommend.clear();
    map.clear();
    if (taste.engine === current?.engine) taste.clear();
  },
  loaded(model) {
    results.showLoaded(model);
    if (current) {
      void recommend.activate(current.engine, model.prepared.counts.items);
      void map.activate(current.engine, null);
      void useForTaste(current.engine, `the ${model.summary.kind} model of ${model.fileName}`,
        `${model.summary.kind}-${model.prepared.counts.items}items`);
    }
  },
});
const load = new LoadSection(loadSource, (file) => void loadBundle(file, file.name));

/** While the engine works on a load or a run, the other steps must not call it. */
function setBusy(busy: boolean): void {
  // data-busy and the count of finished operations let automation (the e2e tests) wait for them.
  document.body.dataset.busy = String(busy);
  if (!busy) document.body.dataset.finished = String(Number(document.body.dataset.finished ?? 0) + 1);
  if (!busy) void showEngineMemory();
  load.setEnabled(!busy);
  explore.setEnabled(!busy);
  train.setEnabled(!busy);
  recommend.setEnabled(!busy);
  map.setEnabled(!busy);
  modelFile.setEnabled(!busy);
  taste.setEnabled(!busy);
}

/** The engine's WebAssembly memory after each load or run (it only grows: its peak so far). */
async function showEngineMemory(): Promise<void> {
  const engine = current?.engine;
  if (!engine) return;
  try {
    const heap = await engine.heapStats();
    if (engine !== current?.engine) return;
    const line = byId('engine-memory');
    line.textContent = `Engine memory: ${formatBytes(heap.memoryBytes)} of WebAssembly memory, ` +
      `${formatBytes(heap.allocatedBytes)} of it in use.`;
    // For automation (bench/full.mjs), as data-busy is.
    line.dataset.memoryBytes = String(heap.memoryBytes);
    line.dataset.allocatedBytes = String(heap.allocatedBytes);
  } catch {
    // The engine was stopped meanwhile (a new data set or a crash): the next load shows its own.
  }
}

function setEngineStatus(state: 'starting' | 'ready' | 'failed', text: string): void {
  const chip = byId('engine-status');
  chip.dataset.state = state;
  chip.textContent = text;
}

// The feature checkboxes list the fields the prepared data has (its vocabulary): once the Explore
// filters leave data, the page prepares it once (what Train does first anyway) to list them; every
// run lists them again from its own preparation.
let fieldsListedFor: WorkerRecommender | null = null;
async function listFeatureFields(engine: WorkerRecommender): Promise<void> {
  fieldsListedFor = engine;
  try {
    const prepared = await engineState.prepare(engine, explore.prepareOptions());
    if (engine === current?.engine) train.showFeatureFields(prepared);
  } catch {
    if (fieldsListedFor === engine) fieldsListedFor = null;  // try again after the next usable preview
  }
}

// keepSettings: the controls keep what the user set (a reload after a crash), else the defaults.
async function loadSource(source: DataSource, { keepSettings = false } = {}): Promise<boolean> {
  setBusy(true);
  load.showError(null);
  try {
    const data = await loadIntoFreshEngine(source, (stage) => load.showStage(stage));
    await fetchEngineDefaults(data.engine);
    taste.showDtypes(await data.engine.servingDtypes());
    if (!keepSettings) train.showDefaults();
    const previous = current;
    current = data;
    currentSource = source;
    previous?.engine.terminate();
    load.showLoaded(data);
    explore.showData(data, { keepSettings });
    engineState.reset(data.engine);
    train.setEngine(data.engine);
    train.showFeatureFields(null);
    fieldsListedFor = null;
    results.clear();
    recommend.clear();
    map.clear();
    modelFile.clear();
    const tasteOnBundle = bundleEngine !== null && taste.engine === bundleEngine;
    if (!tasteOnBundle) {  // a bundle loaded alone does not depend on the data
      taste.clear();
      taste.showCurve(null);
    }
    setEngineStatus('ready', 'Engine ready · WebAssembly in a Web Worker');
    return true;
  } catch (error) {
    if (current) load.showError(describeLoadError(error));
    else {
      load.showError(`Could not load the data: ${errorMessage(error)}`);
      setEngineStatus('failed', 'Engine failed to start');
    }
    return false;
  } finally {
    load.showStage(null);
    setBusy(false);
  }
}

// ---- Your taste: fold-in from the model trained here, or from a serving bundle alone ----

/** The step folds in against `engine`; a bundle's own engine is let go once it is not used. */
async function useForTaste(engine: WorkerRecommender, label: string, fileStem: string): Promise<void> {
  if (bundleEngine !== null && bundleEngine !== engine) {
    bundleEngine.terminate();
    bundleEngine = null;
  }
  await taste.activate({ engine, label, canExport: engine !== bundleEngine, fileStem });
}

async function tasteFromTraining(engine: WorkerRecommender, run: RunRecord): Promise<void> {
  const items = run.prepared.counts.items;
  await useForTaste(engine, `the ${run.model} model trained here (${formatInt(items)} items)`, `${run.model}-${items}items`);
  if (run.prepared.holdoutUsers === 0) {
    taste.showCurve(null);
    return;
  }
  taste.showCurvePending(run.prepared.holdoutUsers);
  try {
    const [points, foldIn] = [await engine.likesCurve(), await engine.evaluateFoldIn()];
    if (taste.engine === engine) taste.showCurve({ points, foldInAuc: foldIn.auc, trainedAuc: run.after.auc }, run.prepared.holdoutUsers);
  } catch (error) {
    taste.showCurve(null);
    taste.showBundleError(`Could not evaluate the held-out users: ${stepErrorMessage(error)}`);
  }
}

/** A serving bundle alone (a dropped or picked file, or ?model=URL): a new engine of its own; the
 * step keeps its current model when the bundle is refused. */
async function loadBundle(bundle: Blob, name: string): Promise<void> {
  setBusy(true);
  taste.showBundleError(null);
  taste.showBundleStatus(`Loading ${name} (${formatBytes(bundle.size)})…`);
  let engine: WorkerRecommender | null = null;
  try {
    const started = performance.now();
    engine = await WorkerRecommender.fromModel(bundle, { fileName: name });
    const summary = await engine.summary();
    const seconds = (performance.now() - started) / 1000;
    const previous = bundleEngine;
    bundleEngine = engine;
    engine = null;
    if (previous !== null) previous.terminate();
    await taste.activate({ engine: bundleEngine, label: `the serving bundle ${name} (${summary.kind} model)`, canExport: false, fileStem: '' });
    taste.showCurve(null);
    taste.showBundleStatus(`Loaded ${name}: ${summary.kind} model, ${formatBytes(bundle.size)}, in ${formatSeconds(seconds)}, no data needed.`);
    byId('step-taste').scrollIntoView({ block: 'start' });
  } catch (error) {
    engine?.terminate();
    taste.showBundleStatus('');
    taste.showBundleError(`Could not load the bundle: ${stepErrorMessage(error).replace(/\.\s*$/, '')}.${
      taste.engine ? ' The current model is unchanged.' : ''}`);
  } finally {
    setBusy(false);
  }
}

/** ?model=URL: a static site ships a trained bundle and nothing else. Relative to the page. */
async function loadBundleFromUrl(address: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(address, location.href);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    const name = decodeURIComponent(url.pathname.split('/').pop() || 'model.safetensors');
    await loadBundle(await response.blob(), name);
  } catch (error) {
    taste.showBundleError(`Could not fetch the bundle named by ?model=${address}: ${errorMessage(error)}`);
  }
}

// A crashed engine is gone with its data and model (its worker is stopped): the page loads the same
// data into a fresh engine, keeps every setting, and says plainly what happened and what was lost.
onEngineCrash(async (crash) => {
  const source = currentSource ?? { kind: 'sample' as const };
  current = null;  // nothing of the dead engine is usable any more
  setEngineStatus('failed', 'Engine crashed · restarting');
  const reloaded = await loadSource(source, { keepSettings: true });
  if (!reloaded) return;  // loadSource shows why; loading data again starts another engine
  load.showError(`The engine crashed (${crash.message}). The page started a fresh engine and loaded the same ` +
                 'data again with your settings; the trained model was lost, so train again.');
});

// The built-in sample makes the page useful at once; the user's own files replace it. A bundle
// named by ?model=URL comes after, into an engine of its own.
const modelUrl = new URLSearchParams(location.search).get('model');
void loadSource({ kind: 'sample' }).then(() => (modelUrl ? loadBundleFromUrl(modelUrl) : undefined));
