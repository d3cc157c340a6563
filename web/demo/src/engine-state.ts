// What the current engine holds, as the page last saw it: the options its data was prepared
// with, and whether it has a model (and of which kind). prepare() drops the engine's model, so a
// model file is loaded without preparing again when the options have not changed.
import type { ModelKind, PrepareOptions, PreparedStats, WorkerRecommender } from 'tripletrec';

export class EngineState {
  private engine: WorkerRecommender | null = null;
  private preparedKey: string | null = null;
  private stats: PreparedStats | null = null;
  private kind: ModelKind | null = null;

  /** A new data set: nothing is prepared, there is no model. */
  reset(engine: WorkerRecommender | null): void {
    this.engine = engine;
    this.preparedKey = null;
    this.stats = null;
    this.kind = null;
  }

  get current(): WorkerRecommender | null { return this.engine; }
  get prepared(): PreparedStats | null { return this.stats; }
  get modelKind(): ModelKind | null { return this.kind; }

  /** Prepares the data (always: a training run starts from freshly prepared data). */
  async prepare(engine: WorkerRecommender, options: PrepareOptions): Promise<PreparedStats> {
    // Until prepare returns, the engine's prepared data and model are unknown.
    this.preparedKey = null;
    this.stats = null;
    this.kind = null;
    await engine.prepare(options);
    const stats = await engine.preparedStats();
    if (engine === this.engine) {
      this.preparedKey = JSON.stringify(options);
      this.stats = stats;
    }
    return stats;
  }

  /** The prepared data when it was prepared with these options; null when prepare must run. */
  preparedWith(options: PrepareOptions): PreparedStats | null {
    return this.preparedKey === JSON.stringify(options) ? this.stats : null;
  }

  /** createModel or loadModel succeeded. */
  modelReady(kind: ModelKind): void { this.kind = kind; }
}
