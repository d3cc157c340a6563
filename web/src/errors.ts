// Errors the package exports so callers can tell them apart by class (or `code`), not by message.

/**
 * The engine crashed (a WebAssembly trap), or runs in a wasm module instance that crashed earlier.
 * That engine is dead for good: create a new Recommender or WorkerRecommender, which gets a fresh
 * instance. Crosses the worker boundary as itself (WorkerRecommender rejects with this class too).
 */
export class EngineCrashedError extends Error {
  override readonly name = 'EngineCrashedError';
  readonly code = 'ENGINE_CRASHED';
}

/** The error of every call on an engine whose instance crashed earlier (`reason`: what happened). */
export function deadEngineError(reason: string, cause: unknown): EngineCrashedError {
  return new EngineCrashedError(`tripletrec: this engine's wasm module instance is dead since it crashed (${reason}); ` +
                                'create a new Recommender or WorkerRecommender', { cause });
}
