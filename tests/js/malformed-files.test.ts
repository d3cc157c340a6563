// The malformed-file catalogue through the package (the C++ suite runs it on the engine:
// tests/cpp/test_malformed_files.cpp): every file under tests/malformed/<kind>/ fails with the
// exact message in tests/malformed/expected.tsv, as an Error, and the Recommender's state from
// before the call is intact.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender } from 'tripletrec';
import { repoRoot } from './helpers';

const catalogue = path.join(repoRoot, 'tests/malformed');
const expected = new Map(
  readFileSync(path.join(catalogue, 'expected.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)] as const),
);
const kinds = ['ratings', 'test', 'items', 'users', 'model'] as const;
const files = kinds.flatMap((kind) =>
  readdirSync(path.join(catalogue, kind)).map((file) => ({ kind, name: `${kind}/${file}` })));

describe('malformed files through the package', () => {
  let rec: Recommender;
  let before: string;
  // Everything a failed load must leave as it was.
  const state = () => JSON.stringify({
    loaded: rec.loadedStats().counts,
    prepared: rec.preparedStats(),
    params: rec.paramCount(),
    auc: rec.evaluate().auc,
  });

  beforeAll(async () => {
    rec = await Recommender.create();
    rec.loadSample({ users: 200, items: 40 });
    rec.prepare({ ...rec.samplePreprocessOptions(), minPopularity: 0 });
    rec.createModel({ model: 'bilinear', seed: 1 });
    before = state();
  });
  afterAll(() => rec.dispose());

  it('lists every file of the catalogue, at least 40', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(files.map((f) => f.name).sort()).toEqual([...expected.keys()].sort());
  });

  it.each(files)('$name fails with its message and changes nothing', ({ kind, name }) => {
    const bytes = new Uint8Array(readFileSync(path.join(catalogue, name)));
    const load = {
      ratings: () => rec.loadRatings(bytes, name),
      test: () => rec.loadTestRatings(bytes, name),
      items: () => rec.loadItems(bytes, name),
      users: () => rec.loadUsers(bytes, name),
      model: () => rec.loadModel(bytes, name),
    }[kind];
    expect(load).toThrowError(new Error(expected.get(name)));
    expect(state()).toBe(before);
  });
});
