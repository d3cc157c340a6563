// Loads the Emscripten module once per JS realm (page, worker, Node process) and shares it: every
// Recommender is one Engine inside the same wasm instance. Two builds ship (cpp/bindings/wasm.cmake):
// the threaded one (dist/mt/) runs where threads can, a cross-origin-isolated page or its workers
// (SharedArrayBuffer), or where create() asks for it (engine: 'threaded', e.g. under Node); the
// single-threaded one everywhere else. Their API is the same. If the instance traps (a
// WebAssembly.RuntimeError: its memory is then in an unknown state), it is marked dead: every later
// call on any of its engines throws an error that says so, and the next create() loads a fresh one.
import createTripletrecModule, { type TripletrecModule } from './tripletrec.mjs';
import { deadEngineError, EngineCrashedError } from './errors.js';
import type { CreateOptions, EngineBuild } from './types.js';
import { nodeBuiltin } from './node-builtin.js';
import { wasmBytes } from './wasm-bytes.js';

type Build = Exclude<EngineBuild, 'auto'>;
/** The shared instance of each build, loading or loaded. */
const sharedModules = new Map<Build, Promise<TripletrecModule>>();
const sharedInstances = new Map<Build, TripletrecModule>();
/** The trap that killed each dead instance. */
const traps = new WeakMap<TripletrecModule, WebAssembly.RuntimeError>();

export function loadModule(options: CreateOptions = {}): Promise<TripletrecModule> {
  // A wasmUrl or wasmBinary is the single-threaded build's .wasm (the CDN layout).
  if (options.wasmUrl !== undefined || options.wasmBinary !== undefined) return instantiate(options);
  const build = chooseBuild(options.engine ?? 'auto');
  let shared = sharedModules.get(build);
  if (shared === undefined) {
    shared = (build === 'threaded' ? instantiateThreaded(options.engine === 'threaded') : instantiate({})).then((module) => {
      sharedInstances.set(build, module);
      return module;
    }, (error: unknown) => {
      sharedModules.delete(build);  // let a later call try again
      throw error;
    });
    sharedModules.set(build, shared);
  }
  return shared;
}

/** The build `engine` names: 'auto' is the threaded one exactly where the realm is cross-origin isolated. */
export function chooseBuild(engine: EngineBuild): Build {
  if (engine === 'threaded') {
    if (!canShareMemory()) {
      throw new Error("tripletrec: engine 'threaded' needs SharedArrayBuffer, which a browser gives only to " +
                      'cross-origin-isolated pages (served with Cross-Origin-Opener-Policy: same-origin and ' +
                      "Cross-Origin-Embedder-Policy: require-corp); use engine 'auto' to fall back to one thread");
    }
    return 'threaded';
  }
  if (engine === 'single-threaded') return 'single-threaded';
  if (engine !== 'auto') {
    throw new Error(`tripletrec: create: engine must be 'auto', 'threaded' or 'single-threaded', got ${JSON.stringify(engine)}`);
  }
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true && canShareMemory()
    ? 'threaded' : 'single-threaded';
}

function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

export function isModuleDead(module: TripletrecModule): boolean {
  return traps.has(module);
}

/** Throws the "dead instance" error if `module` has trapped. */
export function assertModuleAlive(module: TripletrecModule): void {
  const trap = traps.get(module);
  if (trap !== undefined) throw deadEngineError(trap.message, trap);
}

// Marks `module` dead and returns the error for the call that trapped.
function killed(module: TripletrecModule, trap: WebAssembly.RuntimeError): EngineCrashedError {
  traps.set(module, trap);
  for (const [build, instance] of sharedInstances) {
    if (instance !== module) continue;
    sharedModules.delete(build);
    sharedInstances.delete(build);
  }
  return new EngineCrashedError(`tripletrec: the engine crashed (wasm trap: ${trap.message}). Its wasm module instance is ` +
                   'dead and every Recommender on it now fails: create a new Recommender or WorkerRecommender ' +
                   '(it loads a fresh instance)', { cause: trap });
}

async function instantiate(options: CreateOptions): Promise<TripletrecModule> {
  // Written as `new URL('./tripletrec.wasm', import.meta.url)` so bundlers (Vite, webpack 5) see
  // the .wasm and emit it as an asset next to the bundle.
  const wasmBinary = options.wasmBinary ??
    await wasmBytes(options.wasmUrl ?? new URL('./tripletrec.wasm', import.meta.url));
  return createTripletrecModule({ wasmBinary }).then(checkCalls);
}

// The threaded build, loaded so that no bundler follows its pthread worker: Emscripten 3.1.6's
// glue creates it as a Worker of new URL('tripletrec-mt.worker.js', import.meta.url), and that
// worker falls back to importing ./tripletrec-mt.mjs, a cycle that sends `vite build` into a loop.
// Here the glue and the .wasm are assets (`new URL(..., import.meta.url)`, which bundlers copy
// without reading), the glue is imported from its URL, and the worker is made from its source
// (a string module): browsers get a blob: URL, Node the worker's file beside the glue. The worker
// imports the glue from mainScriptUrlOrBlob, the URL the page imported it from.
// `required`: engine 'threaded' was asked for; otherwise ('auto') a threaded build that is not
// served (a bundler recipe that copies only tripletrec.wasm) falls back to the single-threaded one.
async function instantiateThreaded(required: boolean): Promise<TripletrecModule> {
  let glue: { default: typeof createTripletrecModule };
  let glueUrl: URL;
  let wasmBinary: Uint8Array;
  let workerUrl: string;
  try {
    glueUrl = new URL('./mt/tripletrec-mt.mjs', import.meta.url);
    wasmBinary = await wasmBytes(new URL('./mt/tripletrec-mt.wasm', import.meta.url));
    glue = await import(/* @vite-ignore */ /* webpackIgnore: true */ glueUrl.href) as typeof glue;
    workerUrl = await pthreadWorkerUrl(glueUrl);
  } catch (error) {
    if (required) throw error;
    console.warn(`tripletrec: the threaded engine could not be loaded (${error instanceof Error ? error.message : String(error)}); ` +
                 'training on one thread. Serve dist/mt/ beside the package (see "Threads" in the package README).');
    return instantiate({});
  }
  const module = await glue.default({
    wasmBinary,
    mainScriptUrlOrBlob: glueUrl.href,
    locateFile: (file) => (file.endsWith('.worker.js') ? workerUrl : file),
  });
  releaseNodeWorkers(module);
  return checkCalls(module);
}

// Under Node, the pool's worker_threads would keep the process running after the program is done
// (3.1.6 never ends them): unref'd, they let it exit. The pool is complete once the module has
// loaded (PTHREAD_POOL_SIZE_STRICT=2: no worker is added later).
function releaseNodeWorkers(module: TripletrecModule): void {
  const pool = (module as unknown as { PThread?: { unusedWorkers?: Array<{ unref?(): void }> } }).PThread;
  for (const worker of pool?.unusedWorkers ?? []) worker.unref?.();
}

async function pthreadWorkerUrl(glueUrl: URL): Promise<string> {
  if ((globalThis as { location?: unknown }).location === undefined) {
    // Node: worker_threads take a path; the folder's package.json says CommonJS.
    return nodeBuiltin<{ fileURLToPath(url: URL): string }>('node:url')
      .fileURLToPath(new URL('tripletrec-mt.worker.js', glueUrl));
  }
  const { default: source } = await import('./mt/tripletrec-mt.worker-source.mjs');
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}

// Engine methods report a failure through the module's error slot (a JS exception thrown inside
// wasm would skip C++ destructors and leak, see cpp/bindings/embind.cpp). Wrapping each method
// once turns that message into a thrown Error right after the call returns, and turns a trap into
// a dead instance. The object methods of Embind (delete, ...) are left as they are.
const UNCHECKED = new Set(['constructor', 'delete', 'isDeleted', 'clone', 'deleteLater', 'isAliasOf']);

function checkCalls(module: TripletrecModule): TripletrecModule {
  const prototype = module.Engine.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[name];
    if (UNCHECKED.has(name) || typeof method !== 'function') continue;
    prototype[name] = function checked(this: unknown, ...args: unknown[]): unknown {
      return callAlive(module, () => {
        const result = (method as (...callArgs: unknown[]) => unknown).apply(this, args);
        const message = module.takeError();
        if (message !== '') throw new Error(message);
        return result;
      });
    };
  }
  const heapStats = module.heapStats;
  module.heapStats = () => callAlive(module, heapStats);
  return module;
}

function callAlive<Result>(module: TripletrecModule, call: () => Result): Result {
  assertModuleAlive(module);
  try {
    return call();
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw killed(module, error);
    throw error;
  }
}
