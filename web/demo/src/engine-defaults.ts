// The engine's defaults of every option (WorkerRecommender.defaults(), read from the engine's
// option table): the page fills its controls from here and never writes a default of its own.
import type { EngineDefaults, WorkerRecommender } from 'tripletrec';

let defaults: EngineDefaults | null = null;

/** Asks the first engine once; every engine of the page has the same table. */
export async function fetchEngineDefaults(engine: WorkerRecommender): Promise<EngineDefaults> {
  defaults ??= await engine.defaults();
  return defaults;
}

/** The defaults, once an engine has started (the page starts one at load, with the sample). */
export function engineDefaults(): EngineDefaults {
  if (defaults === null) throw new Error('the engine has not started yet');
  return defaults;
}
