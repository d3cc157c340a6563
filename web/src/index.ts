// The package entry: `import { Recommender, WorkerRecommender } from 'tripletrec'`.
export { Recommender } from './recommender.js';
export { EngineCrashedError } from './errors.js';
export { WorkerRecommender, type AsyncRecommenderApi } from './worker-recommender.js';
export type * from './types.js';
