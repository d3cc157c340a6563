// The package's side of the engine's option table (cpp/include/tripletrec/options.hpp, exported by
// the binding as optionTable()): option objects are checked against it before anything crosses
// into wasm, and defaults() is built from it. No key, type, range or default is written here.
import type { OptionSpec, TripletrecModule } from './tripletrec.mjs';
import type { EngineDefaults, ModelKind } from './types.js';

export type OptionGroup = OptionSpec['group'];

/** Keys the package handles itself, on top of the engine's options of a group. */
const PACKAGE_KEYS: Partial<Record<OptionGroup, readonly string[]>> = {
  train: ['onProgress', 'signal'],
};

const tables = new WeakMap<TripletrecModule, Map<OptionGroup, Map<string, OptionSpec>>>();

function specsOf(module: TripletrecModule): Map<OptionGroup, Map<string, OptionSpec>> {
  let groups = tables.get(module);
  if (groups === undefined) {
    groups = new Map();
    for (const spec of module.optionTable()) {
      let group = groups.get(spec.group);
      if (group === undefined) groups.set(spec.group, (group = new Map()));
      group.set(spec.key, spec);
    }
    tables.set(module, groups);
  }
  return groups;
}

/** A value as the engine's messages write it ("got 2.7", "got \"x\"", "got an array"). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);  // as the engine writes numbers
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

function hasType(spec: OptionSpec, value: unknown): boolean {
  if (value === null) return spec.nullable;
  switch (spec.type) {
    case 'integer':
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'enum':
    case 'string': return typeof value === 'string';
    case 'integerList': return Array.isArray(value) && value.every((size) => typeof size === 'number');
    case 'fieldList': return typeof value === 'string'
      || (Array.isArray(value) && value.every((name) => typeof name === 'string'));
  }
}

/**
 * Checks the JS types of an option object against the engine's table: an unknown key or a value
 * of the wrong type throws `key: expected ..., got ...` (the engine's own wording) before any call
 * into wasm. Values of the right type are checked by the engine (ranges, integers, enum names).
 */
export function checkOptionTypes(module: TripletrecModule, group: OptionGroup, method: string,
                                 options: unknown, methodKeys: readonly string[] = []): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`tripletrec: ${method} takes an options object, got ${describe(options)}`);
  const specs = specsOf(module).get(group) ?? new Map<string, OptionSpec>();
  // Keys a method reads besides its group's (recommendFor's k and exclude): checked where read.
  const extra = [...(PACKAGE_KEYS[group] ?? []), ...methodKeys];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || extra.includes(key)) continue;
    const spec = specs.get(key);
    if (spec === undefined) {
      throw new TypeError(`tripletrec: ${method} has no option ${JSON.stringify(key)} (its options: ${
        [...specs.keys(), ...extra].join(', ')})`);
    }
    if (!hasType(spec, value)) {
      const elementType = spec.type === 'fieldList' ? 'string' : 'number';
      const element = Array.isArray(value) ? value.find((entry) => typeof entry !== elementType) : value;
      throw new TypeError(`${key}: expected ${spec.expected}, got ${describe(element)}`);
    }
  }
}

/** A positional k (evaluate, recommend, ...): undefined keeps the engine's default. */
export function checkK(module: TripletrecModule, k: unknown): void {
  const spec = specsOf(module).get('evaluate')?.get('k');
  if (k !== undefined && typeof k !== 'number' && spec !== undefined)
    throw new TypeError(`k: expected ${spec.expected}, got ${describe(k)}`);
}

/** The engine's defaults of every option, per model where the models differ. */
export function engineDefaults(module: TripletrecModule): EngineDefaults {
  const groups = specsOf(module);
  const of = (group: OptionGroup, model: ModelKind): Record<string, unknown> =>
    Object.fromEntries([...(groups.get(group) ?? new Map<string, OptionSpec>()).values()]
      .map((spec) => [spec.key, structuredClone(spec.defaults[model])]));
  return {
    loadSample: of('loadSample', 'bilinear'),
    prepare: of('prepare', 'bilinear'),
    createModel: { bilinear: of('createModel', 'bilinear'), deep: of('createModel', 'deep'), fm: of('createModel', 'fm') },
    train: { bilinear: of('train', 'bilinear'), deep: of('train', 'deep'), fm: of('train', 'fm') },
    evaluate: of('evaluate', 'bilinear'),
    foldIn: of('foldIn', 'bilinear'),
  } as unknown as EngineDefaults;
}
