// Loads the Emscripten module once per JS realm (page, worker, Node process) and shares it:
// every Recommender is one Engine inside the same wasm instance.
import createTripletrecModule, { type ModuleOverrides, type TripletrecModule } from './tripletrec.mjs';
import type { CreateOptions } from './types.js';

let sharedModule: Promise<TripletrecModule> | undefined;

export function loadModule(options: CreateOptions = {}): Promise<TripletrecModule> {
  if (options.wasmUrl !== undefined || options.wasmBinary !== undefined) return instantiate(options);
  sharedModule ??= instantiate({}).catch((error: unknown) => {
    sharedModule = undefined;  // let a later call try again
    throw error;
  });
  return sharedModule;
}

function instantiate(options: CreateOptions): Promise<TripletrecModule> {
  const overrides: ModuleOverrides = {
    // Written as `new URL('./tripletrec.wasm', import.meta.url)` so bundlers (Vite, webpack 5)
    // see the .wasm and emit it as an asset next to the bundle. Under Node the module reads the
    // file itself (cpp/bindings/node_wasm_binary.pre.js) and never calls this.
    locateFile: (path) =>
      path.endsWith('.wasm')
        ? String(options.wasmUrl ?? new URL('./tripletrec.wasm', import.meta.url))
        : path,
  };
  if (options.wasmBinary !== undefined) overrides.wasmBinary = options.wasmBinary;
  return createTripletrecModule(overrides).then(throwEngineErrors);
}

// Engine methods report a failure through the module's error slot (a JS exception thrown inside
// wasm would skip C++ destructors and leak, see cpp/bindings/embind.cpp). Wrapping each method
// once turns that message into a thrown Error right after the call returns.
const UNCHECKED = new Set(['constructor', 'delete', 'isDeleted', 'clone', 'deleteLater', 'isAliasOf']);

function throwEngineErrors(module: TripletrecModule): TripletrecModule {
  const prototype = module.Engine.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[name];
    if (UNCHECKED.has(name) || typeof method !== 'function') continue;
    prototype[name] = function checked(this: unknown, ...args: unknown[]): unknown {
      const result = (method as (...callArgs: unknown[]) => unknown).apply(this, args);
      const message = module.takeError();
      if (message !== '') throw new Error(message);
      return result;
    };
  }
  return module;
}
