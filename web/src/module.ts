// Loads the Emscripten module once per JS realm (page, worker, Node process) and shares it: every
// Recommender is one Engine inside the same wasm instance. If the instance traps (a
// WebAssembly.RuntimeError: its memory is then in an unknown state), it is marked dead: every later
// call on any of its engines throws an error that says so, and the next create() loads a fresh one.
import createTripletrecModule, { type TripletrecModule } from './tripletrec.mjs';
import { deadEngineError, EngineCrashedError } from './errors.js';
import type { CreateOptions } from './types.js';
import { wasmBytes } from './wasm-bytes.js';

let sharedModule: Promise<TripletrecModule> | undefined;
let sharedInstance: TripletrecModule | undefined;
/** The trap that killed each dead instance. */
const traps = new WeakMap<TripletrecModule, WebAssembly.RuntimeError>();

export function loadModule(options: CreateOptions = {}): Promise<TripletrecModule> {
  if (options.wasmUrl !== undefined || options.wasmBinary !== undefined) return instantiate(options);
  sharedModule ??= instantiate({}).then((module) => {
    sharedInstance = module;
    return module;
  }, (error: unknown) => {
    sharedModule = undefined;  // let a later call try again
    throw error;
  });
  return sharedModule;
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
  if (sharedInstance === module) {
    sharedModule = undefined;
    sharedInstance = undefined;
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
