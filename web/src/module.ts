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
  return createTripletrecModule(overrides);
}
