// The serving bundle through the package: exportServing, then Recommender.fromModel /
// WorkerRecommender.fromModel with the bundle alone (no CSV) giving the same search, fold-in and
// similar items; quantised bundles; corrupt and truncated bundles refused with clear errors while
// what was loaded keeps working. Against the real wasm build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender } from 'tripletrec';
// The engine owner behind both clients (not exported by the package): a bundle loaded into an
// engine that already holds one, to see a refused bundle leave the first one intact.
import { EngineCore } from '../../web/dist/engine-core.js';

const SAMPLE = { users: 1200, items: 200, seed: 11 };

describe('serving bundle', () => {
  let trained: Recommender;
  let bundle: Uint8Array;
  let likes: number[];
  beforeAll(async () => {
    trained = await Recommender.create();
    trained.loadSample(SAMPLE);
    trained.prepare(trained.samplePreprocessOptions());
    trained.createModel({ model: 'bilinear' });
    await trained.train({ epochs: 3 });
    bundle = trained.exportServing();
    likes = trained.popular(30).filter((_, i) => i % 6 === 1).map((item) => item.id);
  }, 120_000);
  afterAll(() => trained.dispose());

  it('is a safetensors file: 8-byte header length, JSON header with metadata', () => {
    const headerLength = Number(new DataView(bundle.buffer, bundle.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bundle.subarray(8, 8 + headerLength))) as Record<string, unknown>;
    expect(header.__metadata__).toBeTypeOf('object');
    expect(Object.keys(header).length).toBeGreaterThan(1);
    console.log(`[measure] float32 bundle of ${SAMPLE.items} items (64-d bilinear): ${bundle.length} bytes`);
  });

  it('loads alone into a fresh Recommender and recommends exactly as the trained one', async () => {
    const served = await Recommender.fromModel(bundle, { fileName: 'sample.safetensors' });
    try {
      expect(() => served.users()).toThrow();  // no ratings in a bundle
      expect(served.recommendFor(likes)).toEqual(trained.recommendFor(likes));
      expect(served.recommendFor(likes, { k: 5, exclude: [trained.recommendFor(likes)[0]!.id] }))
        .toEqual(trained.recommendFor(likes, { k: 5, exclude: [trained.recommendFor(likes)[0]!.id] }));
      const others = trained.popular(12).map((item) => item.id).filter((id) => !likes.includes(id));
      expect(served.scoreFor(likes, others)).toEqual(trained.scoreFor(likes, others));
      expect(served.searchItems('a', 10)).toEqual(trained.searchItems('a', 10));
      const item = likes[0]!;
      expect(served.similarItems(item, 5).map((view) => view.id)).toEqual(trained.similarItems(item, 5).map((view) => view.id));
      expect(served.summary().kind).toBe('bilinear');
      // A bundle exported again from the bundle is the same file.
      expect(served.exportServing()).toEqual(bundle);
    } finally {
      served.dispose();
    }
  });

  it('quantises the item side to float16 and int8: smaller files, nearly the same lists', async () => {
    const reference = trained.recommendFor(likes, { k: 10 }).map((item) => item.id);
    for (const dtype of ['float16', 'int8'] as const) {
      const bytes = trained.exportServing({ dtype });
      const served = await Recommender.fromModel(bytes);
      try {
        const ids = served.recommendFor(likes, { k: 10 }).map((item) => item.id);
        const same = ids.filter((id, i) => id === reference[i]).length;
        console.log(`[measure] ${dtype} bundle: ${bytes.length} bytes (float32 ${bundle.length}); top-10 positions equal to float32: ${same}/10`);
        expect(bytes.length).toBeLessThan(bundle.length);
        // Measured 10/10 for both; a quantised list may swap a near-tie, not become another list.
        expect(same).toBeGreaterThanOrEqual(9);
      } finally {
        served.dispose();
      }
    }
    expect(() => trained.exportServing({ dtype: 'float8' as never })).toThrow(/dtype/);
  });

  it('refuses corrupt and truncated bundles with a clear message', async () => {
    const truncated = bundle.slice(0, Math.floor(bundle.length / 2));
    await expect(Recommender.fromModel(truncated, { fileName: 'half.safetensors' })).rejects.toThrow(/half\.safetensors/);
    const notJson = bundle.slice();
    notJson[8] = 0x78;  // the header no longer starts with '{'
    await expect(Recommender.fromModel(notJson, { fileName: 'bad-header.safetensors' })).rejects.toThrow(/bad-header\.safetensors/);
    await expect(Recommender.fromModel(new Uint8Array([1, 2, 3]), { fileName: 'tiny.safetensors' })).rejects.toThrow(/tiny\.safetensors/);
    for (const bad of [truncated, notJson]) {
      try {
        await Recommender.fromModel(bad, { fileName: 'x.safetensors' });
      } catch (error) {
        console.log(`[measure] refused bundle: ${(error as Error).message}`);
      }
    }
  });

  it('keeps the bundle it holds when another one is refused', async () => {
    const core = await EngineCore.create();
    try {
      core.loadServing(bundle, 'good.safetensors');
      const before = core.recommendFor(likes);
      expect(() => core.loadServing(bundle.slice(0, 200), 'broken.safetensors')).toThrow(/broken\.safetensors/);
      expect(core.recommendFor(likes)).toEqual(before);
    } finally {
      core.dispose();
    }
  });

  it('loads in the worker from bytes and from a Blob, with the same results', async () => {
    const fromBytes = await WorkerRecommender.fromModel(bundle.slice(), { fileName: 'bytes.safetensors' });
    const fromBlob = await WorkerRecommender.fromModel(new Blob([bundle.slice()]), { fileName: 'blob.safetensors' });
    try {
      const expected = trained.recommendFor(likes);
      expect(await fromBytes.recommendFor(likes)).toEqual(expected);
      expect(await fromBlob.recommendFor(likes)).toEqual(expected);
      expect(await fromBlob.searchItems('a', 4)).toEqual(trained.searchItems('a', 4));
      expect(await fromBlob.exportServing()).toEqual(bundle);
      await expect(WorkerRecommender.fromModel(new Blob([bundle.slice(0, 64)]), { fileName: 'cut.safetensors' }))
        .rejects.toThrow(/cut\.safetensors/);
    } finally {
      fromBytes.terminate();
      fromBlob.terminate();
    }
  });
});

/** A MovieLens 100k u.user file for the sample's users 1..count: id|age|gender|occupation|zip. */
function uUser(count: number): string {
  const lines: string[] = [];
  for (let id = 1; id <= count; id++) lines.push(`${id}|${15 + ((id * 7) % 50)}|${id % 3 === 0 ? 'F' : 'M'}|student|${10000 + id}`);
  return lines.join('\n') + '\n';
}

describe('serving bundles of feature models and the FM', () => {
  const cases = [
    { model: 'fm', itemFeatures: ['genre', 'type'], userFeatures: ['gender'], idEmbeddings: true },
    { model: 'deep', itemFeatures: ['genre'], userFeatures: ['gender', 'age'], idEmbeddings: false },
  ] as const;
  for (const options of cases) {
    it(`${options.model} (features-only: ${!options.idEmbeddings}): the bundle carries the vocabulary and folds in the same`, async () => {
      const trained = await Recommender.create();
      try {
        trained.loadSample({ users: 300, items: 60, seed: 5 });
        trained.loadUsers(uUser(300), 'u.user');
        trained.prepare(trained.samplePreprocessOptions());
        trained.createModel({ ...options, seed: 2 });
        await trained.train({ epochs: 2, threads: 1 });
        const bundle = trained.exportServing();
        const served = await Recommender.fromModel(bundle, { fileName: 'features.safetensors' });
        try {
          const likes = trained.popular(12).filter((_, i) => i % 4 === 0).map((item) => item.id);
          expect(served.recommendFor(likes)).toEqual(trained.recommendFor(likes));
          const withGender = { userFeatures: { gender: 'F' } };
          expect(served.recommendFor(likes, withGender)).toEqual(trained.recommendFor(likes, withGender));
          expect(served.scoreFor(likes, [trained.popular(1)[0]!.id], withGender))
            .toEqual(trained.scoreFor(likes, [trained.popular(1)[0]!.id], withGender));
          const popular = trained.popular(20).map((v) => v.id);
          expect(served.scoreFor(likes, popular, withGender)).not.toEqual(served.scoreFor(likes, popular));
          expect(served.summary().kind).toBe(options.model);
          expect(served.exportServing()).toEqual(bundle);
          expect(() => served.recommendFor(likes, { userFeatures: { gender: 'X' } }))
            .toThrowError('user features: gender has no value "X" in the model (its values: F, M)');
          expect(() => served.recommendFor(likes, { userFeatures: { occupation: 'writer' } }))
            .toThrowError(/user features: unknown field "occupation"/);
          expect(() => served.recommendFor(likes, { userFeatures: { gender: 3 } as never }))
            .toThrowError(/userFeatures: expected an object of field names/);
          const worker = await WorkerRecommender.fromModel(bundle.slice(), { fileName: 'features.safetensors' });
          try {
            expect(await worker.recommendFor(likes, withGender)).toEqual(trained.recommendFor(likes, withGender));
          } finally {
            worker.terminate();
          }
          const truncated = bundle.slice(0, bundle.length - 12);
          await expect(Recommender.fromModel(truncated, { fileName: 'cut.safetensors' })).rejects.toThrow(/cut\.safetensors/);
        } finally {
          served.dispose();
        }
      } finally {
        trained.dispose();
      }
    }, 120_000);
  }
});
