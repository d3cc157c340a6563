// The option catalogue: bad option values through the package, in Recommender and in
// WorkerRecommender. Every case asserts the whole message (the option's package key, what the
// engine's table expects, the value as the caller gave it) and that the state from before the
// failed call is intact. The rules and wording come from the engine's option table
// (cpp/include/tripletrec/options.hpp); the CLI runs the same table (tests/cpp/test_cli.cpp).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender } from 'tripletrec';

// Small enough that one snapshot (stats + evaluation) takes milliseconds.
const SAMPLE = { users: 300, items: 60, seed: 5 };

/** Either client, as the catalogue uses it: every call may be sync or async. */
type Client = Recommender | WorkerRecommender;
type Call = (client: Client) => unknown;

interface Case { name: string; call: Call; message: string | RegExp; type?: 'TypeError' }

const SPEC = {
  users: 'an integer in [1, 100000]',
  items: 'an integer in [10, 20000]',
  seed: 'an integer in [0, 9007199254740991]',
  k: 'an integer in [1, 10000]',
  itemFields: 'field names from genre, type, episodes, members, year (or none)',
  userFields: 'field names from age, gender, occupation (or none)',
};

const cases: Case[] = [
  // loadSample
  { name: 'sample users 0', call: (c) => c.loadSample({ users: 0 }), message: `users: expected ${SPEC.users}, got 0` },
  { name: 'sample users not an integer', call: (c) => c.loadSample({ users: 2.5 }), message: `users: expected ${SPEC.users}, got 2.5` },
  { name: 'sample users too many', call: (c) => c.loadSample({ users: 1e6 }), message: `users: expected ${SPEC.users}, got 1000000` },
  { name: 'sample items too few', call: (c) => c.loadSample({ items: 5 }), message: `items: expected ${SPEC.items}, got 5` },
  { name: 'sample items as a string', call: (c) => c.loadSample({ items: '100' as never }),
    message: `items: expected ${SPEC.items}, got "100"`, type: 'TypeError' },
  { name: 'sample seed negative', call: (c) => c.loadSample({ seed: -1 }), message: `seed: expected ${SPEC.seed}, got -1` },
  { name: 'sample ratings over half the items', call: (c) => c.loadSample({ items: 50, ratingsPerUser: 40 }),
    message: 'ratingsPerUser: expected at most half the items (25 for 50 items), got 40' },
  { name: 'sample unknown option', call: (c) => c.loadSample({ colour: 'red' } as never),
    message: 'tripletrec: loadSample has no option "colour" (its options: users, items, ratingsPerUser, seed)', type: 'TypeError' },
  // prepare / preview
  { name: 'testFraction 0', call: (c) => c.prepare({ testFraction: 0 }), message: 'testFraction: expected a number in (0, 1), got 0' },
  { name: 'testFraction 1', call: (c) => c.prepare({ testFraction: 1 }), message: 'testFraction: expected a number in (0, 1), got 1' },
  { name: 'testFraction NaN', call: (c) => c.prepare({ testFraction: Number.NaN }), message: 'testFraction: expected a number in (0, 1), got NaN' },
  { name: 'minPopularity negative', call: (c) => c.prepare({ minPopularity: -1 }),
    message: 'minPopularity: expected an integer in [0, 2147483647], got -1' },
  { name: 'minPopularity not an integer', call: (c) => c.prepare({ minPopularity: 3.5 }),
    message: 'minPopularity: expected an integer in [0, 2147483647], got 3.5' },
  { name: 'maxUserId 0', call: (c) => c.prepare({ maxUserId: 0 }),
    message: 'maxUserId: expected an integer in [1, 9007199254740991] or null, got 0' },
  { name: 'itemType empty', call: (c) => c.prepare({ itemType: '' }), message: 'itemType: expected a non-empty string, got ""' },
  { name: 'itemType a number', call: (c) => c.prepare({ itemType: 5 as never }),
    message: 'itemType: expected a non-empty string, got 5', type: 'TypeError' },
  { name: 'dropUnrated a string', call: (c) => c.prepare({ dropUnrated: 'yes' as never }),
    message: 'dropUnrated: expected true or false, got "yes"', type: 'TypeError' },
  { name: 'splitSeed beyond 2^53', call: (c) => c.prepare({ splitSeed: 2 ** 53 }),
    message: `splitSeed: expected ${SPEC.seed}, got 9007199254740992` },
  { name: 'minPositive infinite', call: (c) => c.prepare({ minPositive: Number.POSITIVE_INFINITY }),
    message: 'minPositive: expected a number in [-1000000000, 1000000000], got Infinity' },
  { name: 'coldItems 1', call: (c) => c.prepare({ coldItems: 1 }), message: 'coldItems: expected a number in [0, 1), got 1' },
  { name: 'coldItems negative', call: (c) => c.prepare({ coldItems: -0.1 }), message: 'coldItems: expected a number in [0, 1), got -0.1' },
  { name: 'coldItems a string', call: (c) => c.prepare({ coldItems: '0.2' as never }),
    message: 'coldItems: expected a number in [0, 1), got "0.2"', type: 'TypeError' },
  // Values in range that leave nothing to train on: named after the option to change.
  { name: 'minPopularity above every item', call: (c) => c.prepare({ minPopularity: 1000000 }),
    message: /^minPopularity: no ratings left after preprocessing: no item of type 'TV' has more than 1000000 ratings \(the most popular has \d+\); try a lower popularity threshold$/ },
  { name: 'itemType absent from the data', call: (c) => c.prepare({ itemType: 'Opera', minPopularity: 0 }),
    message: /^itemType: no ratings left after preprocessing: no rated item has type 'Opera' \(types present: 'Movie', .*'TV'\); choose one of these or "any"$/ },
  { name: 'minPositive above every rating', call: (c) => c.prepare({ minPopularity: 0, maxUserId: null, minPositive: 100 }),
    message: 'minPositive: no training rating is >= 100, so there is no positive to train on; lower it' },
  { name: 'preview minPopularity negative', call: (c) => c.preview({ minPopularity: -5 }),
    message: 'minPopularity: expected an integer in [0, 2147483647], got -5' },
  // createModel
  { name: 'embeddingDim not an integer', call: (c) => c.createModel({ embeddingDim: 2.7 }),
    message: 'embeddingDim: expected an integer in [1, 4096], got 2.7' },
  { name: 'embeddingDim 0', call: (c) => c.createModel({ embeddingDim: 0 }), message: 'embeddingDim: expected an integer in [1, 4096], got 0' },
  { name: 'embeddingDim huge', call: (c) => c.createModel({ embeddingDim: 1e9 }),
    message: 'embeddingDim: expected an integer in [1, 4096], got 1000000000' },
  { name: 'similarity a number', call: (c) => c.createModel({ similarity: 3 as never }),
    message: 'similarity: expected "cosine" or "dot", got 3', type: 'TypeError' },
  { name: 'similarity unknown', call: (c) => c.createModel({ similarity: 'cos' as never }),
    message: 'similarity: expected "cosine" or "dot", got "cos"' },
  { name: 'model unknown', call: (c) => c.createModel({ model: 'wide' as never }), message: 'model: expected "bilinear", "deep" or "fm", got "wide"' },
  { name: 'hidden a string', call: (c) => c.createModel({ model: 'deep', hidden: 'x' as never }),
    message: 'hidden: expected a list of at most 16 integers in [1, 65536], got "x"', type: 'TypeError' },
  { name: 'hidden with a string', call: (c) => c.createModel({ model: 'deep', hidden: [64, 'a'] as never }),
    message: 'hidden: expected a list of at most 16 integers in [1, 65536], got "a"', type: 'TypeError' },
  { name: 'hidden layer 0', call: (c) => c.createModel({ model: 'deep', hidden: [64, 0] }),
    message: 'hidden: expected a list of at most 16 integers in [1, 65536], got 0' },
  { name: 'hidden layer not an integer', call: (c) => c.createModel({ model: 'deep', hidden: [64.5] }),
    message: 'hidden: expected a list of at most 16 integers in [1, 65536], got 64.5' },
  { name: 'userDim int32 minimum', call: (c) => c.createModel({ model: 'deep', userDim: -2147483648 }),
    message: 'userDim: expected an integer in [1, 4096], got -2147483648' },
  { name: 'dropout 1', call: (c) => c.createModel({ model: 'deep', dropout: 1 }), message: 'dropout: expected a number in [0, 1), got 1' },
  { name: 'margin 0', call: (c) => c.createModel({ margin: 0 }), message: 'margin: expected a number in (0, 100], got 0' },
  { name: 'margin negative', call: (c) => c.createModel({ margin: -1 }), message: 'margin: expected a number in (0, 100], got -1' },
  { name: 'learningRate 1e30', call: (c) => c.createModel({ learningRate: 1e30 }),
    message: 'learningRate: expected a number in (0, 1], got 1e+30' },
  { name: 'learningRate 0', call: (c) => c.createModel({ learningRate: 0 }), message: 'learningRate: expected a number in (0, 1], got 0' },
  { name: 'l2 negative', call: (c) => c.createModel({ l2: -1e-6 }), message: 'l2: expected a number in [0, 1], got -0.000001' },
  { name: 'beta1 1', call: (c) => c.createModel({ beta1: 1 }), message: 'beta1: expected a number in [0, 1), got 1' },
  { name: 'epsilon 0', call: (c) => c.createModel({ epsilon: 0 }), message: 'epsilon: expected a number in (0, 1], got 0' },
  { name: 'model seed not an integer', call: (c) => c.createModel({ seed: 1.5 }), message: `seed: expected ${SPEC.seed}, got 1.5` },
  { name: 'kerasExact a number', call: (c) => c.createModel({ kerasExact: 1 as never }),
    message: 'kerasExact: expected true or false, got 1', type: 'TypeError' },
  { name: 'createModel misspelt option', call: (c) => c.createModel({ learningrate: 0.1 } as never),
    message: 'tripletrec: createModel has no option "learningrate" (its options: model, embeddingDim, similarity, userDim, ' +
      'itemDim, hidden, dropout, margin, l2, itemFeatures, userFeatures, idEmbeddings, learningRate, beta1, beta2, epsilon, ' +
      'kerasExact, seed)', type: 'TypeError' },
  // side features (the sample has item metadata but no user file; its items have no year)
  { name: 'itemFeatures unknown field', call: (c) => c.createModel({ itemFeatures: ['colour'] }),
    message: `itemFeatures: expected ${SPEC.itemFields}, got "colour"` },
  { name: 'itemFeatures a user field', call: (c) => c.createModel({ itemFeatures: ['gender'] }),
    message: `itemFeatures: expected ${SPEC.itemFields}, got "gender"` },
  { name: 'itemFeatures a field twice', call: (c) => c.createModel({ itemFeatures: ['genre', 'genre'] }),
    message: 'itemFeatures: field "genre" is named twice' },
  { name: 'itemFeatures a number', call: (c) => c.createModel({ itemFeatures: 3 as never }),
    message: `itemFeatures: expected ${SPEC.itemFields}, got 3`, type: 'TypeError' },
  { name: 'itemFeatures as text, an unknown field', call: (c) => c.createModel({ itemFeatures: 'genre,colour' }),
    message: `itemFeatures: expected ${SPEC.itemFields}, got "colour"` },
  { name: 'itemFeatures with a number', call: (c) => c.createModel({ itemFeatures: ['genre', 3] as never }),
    message: `itemFeatures: expected ${SPEC.itemFields}, got 3`, type: 'TypeError' },
  { name: 'itemFeatures a field without values', call: (c) => c.createModel({ itemFeatures: ['year'] }),
    message: /^itemFeatures: field 'year' has no value in .+; fields with values: genre, type, episodes, members$/ },
  { name: 'userFeatures without a user file', call: (c) => c.createModel({ model: 'fm', userFeatures: ['gender'] }),
    message: 'userFeatures: user features need a user file (u.user or users.dat); none is loaded' },
  { name: 'userFeatures unknown field', call: (c) => c.createModel({ userFeatures: ['genre'] }),
    message: `userFeatures: expected ${SPEC.userFields}, got "genre"` },
  { name: 'idEmbeddings a string', call: (c) => c.createModel({ idEmbeddings: 'no' as never }),
    message: 'idEmbeddings: expected true or false, got "no"', type: 'TypeError' },
  // train
  { name: 'epochs 0', call: (c) => c.train({ epochs: 0 }), message: 'epochs: expected an integer in [1, 10000], got 0' },
  { name: 'epochs not an integer', call: (c) => c.train({ epochs: 2.5 }), message: 'epochs: expected an integer in [1, 10000], got 2.5' },
  { name: 'batchSize 0', call: (c) => c.train({ batchSize: 0 }), message: 'batchSize: expected an integer in [1, 65536], got 0' },
  { name: 'batchSize huge', call: (c) => c.train({ batchSize: 1e6 }), message: 'batchSize: expected an integer in [1, 65536], got 1000000' },
  { name: 'negatives unknown', call: (c) => c.train({ negatives: 'hardest' as never }),
    message: 'negatives: expected "uniform", "unseen" or "hard", got "hardest"' },
  { name: 'hardCandidates 0', call: (c) => c.train({ negatives: 'hard', hardCandidates: 0 }),
    message: 'hardCandidates: expected an integer in [1, 1000], got 0' },
  { name: 'train seed negative', call: (c) => c.train({ seed: -1 }), message: `seed: expected ${SPEC.seed}, got -1` },
  { name: 'evaluateEachEpoch a string', call: (c) => c.train({ evaluateEachEpoch: 'yes' as never }),
    message: 'evaluateEachEpoch: expected true or false, got "yes"', type: 'TypeError' },
  // evaluate and the top-k lists
  { name: 'evaluate k 0', call: (c) => c.evaluate(0), message: `k: expected ${SPEC.k}, got 0` },
  { name: 'evaluate k 2^31 - 1', call: (c) => c.evaluate(2 ** 31 - 1), message: `k: expected ${SPEC.k}, got 2147483647` },
  { name: 'evaluate k not an integer', call: (c) => c.evaluate(2.5), message: `k: expected ${SPEC.k}, got 2.5` },
  { name: 'evaluate k a string', call: (c) => c.evaluate('10' as never), message: `k: expected ${SPEC.k}, got "10"`, type: 'TypeError' },
  { name: 'popular k negative', call: (c) => c.popular(-1), message: `k: expected ${SPEC.k}, got -1` },
];

/** Everything a failed call must leave as it was: data, preparation, model and its scores. */
async function snapshot(client: Client): Promise<string> {
  const [loaded, prepared, summary, evaluation] = await Promise.all([
    client.loadedStats(), client.preparedStats(), client.summary(), client.evaluate(5),
  ]);
  return JSON.stringify({ loaded, prepared, summary, evaluation });
}

async function failure(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call did not fail');
}

function catalogue(label: string, create: () => Promise<Client>, close: (client: Client) => void): void {
  describe(`option catalogue: ${label}`, () => {
    let client: Client;
    let before: string;
    beforeAll(async () => {
      client = await create();
      await client.loadSample(SAMPLE);
      await client.prepare(await client.samplePreprocessOptions());
      await client.createModel({ embeddingDim: 8 });
      await client.train({ epochs: 1 });
      before = await snapshot(client);
    });
    afterAll(() => close(client));

    it.each(cases)('$name', async ({ call, message, type }) => {
      const error = await failure(() => call(client));
      if (typeof message === 'string') expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
      expect(error.name).toBe(type ?? 'Error');
      expect(await snapshot(client)).toBe(before);
    });
  });
}

catalogue('Recommender', () => Recommender.create(), (client) => client.dispose());
catalogue('WorkerRecommender', () => WorkerRecommender.create(), (client) => (client as WorkerRecommender).terminate());

describe('bad options leak nothing', () => {
  it('keeps the wasm heap flat over 300 refused calls of each kind', async () => {
    const rec = await Recommender.create();
    try {
      rec.loadSample(SAMPLE);
      rec.prepare(rec.samplePreprocessOptions());
      rec.createModel({ embeddingDim: 8 });
      const refuse = (call: () => unknown) => expect(call).toThrow();
      const calls = [
        () => rec.createModel({ similarity: 3 as never }),   // a wrong JS type: Embind's BindingError leaked 16 bytes
        () => rec.createModel({ embeddingDim: 2.7 }),        // refused inside the engine (a C++ exception)
        () => rec.createModel({ model: 'deep', hidden: [64, 'x'] as never }),
        () => rec.evaluate(0),
      ];
      for (const call of calls) refuse(call);  // warm-up: lazily created engine state
      const before = rec.heapStats().allocatedBytes;
      for (let round = 0; round < 300; round++) for (const call of calls) refuse(call);
      expect(rec.heapStats().allocatedBytes).toBe(before);
    } finally {
      rec.dispose();
    }
  });
});

describe('sample options are normalised once, in the engine', () => {
  it('loadSample({ items: 100 }) gets the CLI\'s density: at most a third of the items per user', async () => {
    const rec = await Recommender.create();
    try {
      const info = rec.loadSample({ items: 100 });  // threw "ratings_per_user must be in [1, items / 2], got 60" before
      const stats = rec.loadedStats();
      expect(stats.counts.items).toBeLessThanOrEqual(100);
      expect(info.rows / stats.counts.users).toBeLessThan(100 / 3 * 1.2);  // mean min(60, 100/3), varied per user
      expect(rec.defaults().loadSample.ratingsPerUser).toBe(60);
    } finally {
      rec.dispose();
    }
  });
});

describe('defaults() are the engine\'s', () => {
  it('gives every option, per model where the models differ, in Recommender and WorkerRecommender', async () => {
    const rec = await Recommender.create();
    const worker = await WorkerRecommender.create();
    try {
      const defaults = rec.defaults();
      expect(await worker.defaults()).toEqual(defaults);
      expect(defaults.createModel.bilinear).toMatchObject({ model: 'bilinear', embeddingDim: 64, similarity: 'cosine', margin: 1 });
      expect(defaults.createModel.deep).toMatchObject({ model: 'deep', userDim: 32, itemDim: 64, hidden: [128], margin: 0.5, l2: 0 });
      expect(defaults.train.bilinear.epochs).toBe(10);
      expect(defaults.train.deep.epochs).toBe(20);
      expect(defaults.prepare).toMatchObject({ minPopularity: 5000, maxUserId: 10000, itemType: 'TV', testFraction: 0.2 });
      expect(defaults.evaluate.k).toBe(10);
      // Passing the defaults back gives the same model as passing nothing.
      rec.loadSample(SAMPLE);
      rec.prepare(rec.samplePreprocessOptions());
      const implicit = rec.createModel({ model: 'deep' });
      const implicitAuc = rec.evaluate().auc;
      const explicit = rec.createModel(defaults.createModel.deep);
      expect(explicit).toEqual(implicit);
      expect(rec.evaluate(defaults.evaluate.k).auc).toBe(implicitAuc);  // same initial weights
    } finally {
      rec.dispose();
      worker.terminate();
    }
  });
});
