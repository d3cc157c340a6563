// New visitors through the package: item search by name, fold-in from liked raw ids
// (recommendFor with explanations, scoreFor), the hold-out evaluation (evaluateFoldIn, likesCurve),
// on the calling thread and through the worker, against the real wasm build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender, type ItemView, type SampleOptions } from 'tripletrec';

// A small sample trains in about a second; 3 epochs are enough for fold-in to beat chance clearly.
const SAMPLE = { users: 1200, items: 200, seed: 11 };
const EPOCHS = 3;

async function trainedOnSample(client: Recommender | WorkerRecommender, holdoutUsers = 0,
                               sample: SampleOptions = SAMPLE): Promise<void> {
  await client.loadSample(sample);
  await client.prepare({ ...(await client.samplePreprocessOptions()), holdoutUsers });
  await client.createModel({ model: 'bilinear' });
  await client.train({ epochs: EPOCHS });
}

describe('fold-in of a new visitor (Recommender)', () => {
  let rec: Recommender;
  let catalogue: ItemView[];
  let likes: number[];
  beforeAll(async () => {
    rec = await Recommender.create();
    await trainedOnSample(rec);
    catalogue = rec.popular(SAMPLE.items);
    // A visitor who likes what one training user liked: a taste the model has seen.
    likes = rec.userHistory(rec.users()[0]!).train.slice(0, 5).map((item) => item.id);
  }, 120_000);
  afterAll(() => rec.dispose());

  it('never recommends a like, is deterministic, and explains each item by one of the likes', () => {
    const first = rec.recommendFor(likes);
    expect(first.length).toBe(rec.defaults().evaluate.k);
    for (const item of first) {
      expect(likes).not.toContain(item.id);
      expect(likes).toContain(item.because.id);
      expect(item.because.name).toBe(catalogue.find((entry) => entry.id === item.because.id)!.name);
      expect(Number.isFinite(item.score)).toBe(true);
    }
    const scores = first.map((item) => item.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(rec.recommendFor(likes)).toEqual(first);
    // The order of the likes and a repeated like do not change the visitor.
    expect(rec.recommendFor([...likes].reverse().concat(likes[0]!)).map((item) => item.id)).toEqual(first.map((item) => item.id));
    expect(rec.contributionMeaning()).toMatch(/\w+/);
  });

  it('honours k, exclude and the fold-in options', () => {
    const top = rec.recommendFor(likes, { k: 20 });
    expect(top.length).toBe(20);
    const excluded = top.slice(0, 3).map((item) => item.id);
    const rest = rec.recommendFor(likes, { k: 17, exclude: excluded });
    for (const item of rest) expect(excluded).not.toContain(item.id);
    expect(rest.map((item) => item.id)).toEqual(top.slice(3).map((item) => item.id));
    // Another seed is another fit (not the same floats), the same seed the same one.
    const seeded = rec.recommendFor(likes, { seed: 7 });
    expect(rec.recommendFor(likes, { seed: 7 })).toEqual(seeded);
    expect(seeded.map((item) => item.score)).not.toEqual(rec.recommendFor(likes).map((item) => item.score));
    // The engine's fold-in defaults, passed back, are what leaving them out gives.
    const defaults = rec.defaults().foldIn;
    expect(Object.keys(defaults).sort()).toEqual(['learningRate', 'seed', 'steps']);
    expect(rec.recommendFor(likes, defaults)).toEqual(rec.recommendFor(likes));
  });

  it('scores given items in the given order and leaves the likes out', () => {
    const recommended = rec.recommendFor(likes, { k: 5 });
    const asked = [recommended[4]!.id, likes[0]!, recommended[0]!.id];
    const scored = rec.scoreFor(likes, asked);
    expect(scored.map((item) => item.id)).toEqual([recommended[4]!.id, recommended[0]!.id]);
    expect(scored[0]!.score).toBe(recommended[4]!.score);
    expect(scored[1]!.score).toBe(recommended[0]!.score);
  });

  it('recommends what the likes suggest better than chance', () => {
    // A training user's held-out test positives, recommended from their train positives alone.
    const k = 10;
    let hits = 0;
    let chance = 0;
    let tried = 0;
    for (const user of rec.users().slice(0, 30)) {
      const history = rec.userHistory(user);
      if (history.test.length === 0 || history.train.length === 0) continue;
      const test = new Set(history.test.map((item) => item.id));
      hits += rec.recommendFor(history.train.map((item) => item.id), { k }).filter((item) => test.has(item.id)).length;
      chance += (k * test.size) / (catalogue.length - history.train.length);
      tried += 1;
    }
    console.log(`[measure] fold-in top-${k} test hits over ${tried} users: ${hits} (chance ${chance.toFixed(1)})`);
    // Measured 22 hits over 25 users against 4.9 by chance.
    expect(hits).toBeGreaterThan(2 * chance);
  });

  it('searches item names, case-insensitively, most popular first', () => {
    const name = catalogue[0]!.name;
    const query = name.slice(0, 3).toUpperCase();
    const found = rec.searchItems(query, 50);
    expect(found.length).toBeGreaterThan(0);
    for (const item of found) expect(item.name.toLowerCase()).toContain(query.toLowerCase());
    const popularity = found.map((item) => item.popularity);
    expect(popularity).toEqual([...popularity].sort((a, b) => b - a));
    const everything = rec.searchItems('', catalogue.length);
    expect(everything.length).toBe(catalogue.length);
    expect(everything[0]!.popularity).toBe(Math.max(...catalogue.map((item) => item.popularity)));
    expect(rec.searchItems('no item is called this', 5)).toEqual([]);
  });

  it('refuses bad likes and options with the package\'s names, and keeps working', () => {
    const before = rec.recommendFor(likes);
    expect(() => rec.recommendFor([987654321])).toThrow(/^likes: unknown item id 987654321/);
    expect(() => rec.recommendFor([])).toThrow(/^likes: /);
    expect(() => rec.recommendFor(3 as unknown as number[])).toThrow('likes: expected an array of item ids (integers), got 3');
    expect(() => rec.recommendFor([1.5])).toThrow('likes: expected an array of item ids (integers), got an array holding 1.5');
    expect(() => rec.recommendFor(likes, { exclude: 'x' as unknown as number[] }))
      .toThrow('exclude: expected an array of item ids (integers), got "x"');
    expect(() => rec.recommendFor(likes, { steps: 0 })).toThrow(/^steps: expected an integer in \[1, /);
    expect(() => rec.recommendFor(likes, { k: 0 })).toThrow(/^k: expected an integer in \[1, /);
    expect(() => rec.recommendFor(likes, { stepz: 3 } as never)).toThrow(TypeError);
    expect(() => rec.recommendFor(likes, { learningRate: '0.1' } as never)).toThrow(TypeError);
    expect(() => rec.scoreFor(likes, [987654321])).toThrow(/987654321/);
    expect(() => rec.searchItems(5 as unknown as string)).toThrow(TypeError);
    expect(rec.recommendFor(likes)).toEqual(before);
  });
});

describe('held-out users: fold-in measured the honest way', () => {
  let rec: Recommender;
  beforeAll(async () => {
    rec = await Recommender.create();
    // More ratings per user than above, so that many held-out users have 10 likes to fold in.
    await trainedOnSample(rec, 0.2, { ...SAMPLE, ratingsPerUser: 80 });
  }, 120_000);
  afterAll(() => rec.dispose());

  it('keeps the held-out users out of training and folds them in for the evaluation', () => {
    const stats = rec.preparedStats();
    expect(stats.holdoutUsers).toBeGreaterThan(0);
    expect(stats.holdoutTrainPositives).toBeGreaterThan(0);
    // Nothing of a held-out user reached training.
    const heldOut = rec.holdoutUsers();
    expect(heldOut.length).toBeGreaterThan(0);
    for (const user of heldOut.slice(0, 50)) expect(rec.userHistory(user).train).toEqual([]);
    const foldIn = rec.evaluateFoldIn();
    const joint = rec.evaluate();
    console.log(`[measure] sample ${JSON.stringify(SAMPLE)}, ${EPOCHS} epochs, 20% held out: fold-in AUC ` +
      `${foldIn.auc.toFixed(4)} (${foldIn.users} users), trained users ${joint.auc.toFixed(4)}`);
    expect(foldIn.users).toBeGreaterThan(0);
    expect(foldIn.auc).toBeGreaterThan(0.6);
    expect(rec.evaluateFoldIn()).toEqual(foldIn);  // deterministic
  });

  it('draws the AUC against the number of likes', () => {
    const curve = rec.likesCurve();
    console.log(`[measure] likes curve: ${curve.map((point) => `${point.likes}: ${point.auc.toFixed(4)}`).join(', ')} ` +
      `(${curve[0]?.users} users)`);
    expect(curve.map((point) => point.likes)).toEqual([1, 3, 5, 10, 20]);
    for (const point of curve) expect(point.users).toBe(curve[0]!.users);
    // The default curve needs 20 likes per user; up to 10 likes many more users count.
    const short = rec.likesCurve([1, 10]);
    console.log(`[measure] likes curve to 10: ${short.map((point) => `${point.likes}: ${point.auc.toFixed(4)}`).join(', ')} ` +
      `(${short[0]?.users} users)`);
    expect(short[1]!.auc).toBeGreaterThan(short[0]!.auc);
    expect(() => rec.likesCurve([0])).toThrow(/likes/);
    expect(() => rec.likesCurve('3' as never)).toThrow('counts: expected an array of numbers of likes (integers), got "3"');
  });
});

describe('fold-in through the worker', () => {
  it('gives what the synchronous Recommender gives', async () => {
    const local = await Recommender.create();
    const worker = await WorkerRecommender.create();
    try {
      await trainedOnSample(local);
      await trainedOnSample(worker);
      const popular = local.popular(40).map((item) => item.id);
      const likes = popular.filter((_, i) => i % 7 === 0);
      const others = popular.filter((_, i) => i % 7 === 3);
      expect(await worker.recommendFor(likes, { k: 8 })).toEqual(local.recommendFor(likes, { k: 8 }));
      expect(await worker.scoreFor(likes, others)).toEqual(local.scoreFor(likes, others));
      expect(await worker.searchItems('a', 5)).toEqual(local.searchItems('a', 5));
      await expect(worker.recommendFor([987654321])).rejects.toThrow(/^likes: unknown item id 987654321/);
      await expect(worker.recommendFor(likes, { stepz: 1 } as never)).rejects.toThrow(TypeError);
      expect(await worker.recommendFor(likes, { k: 8 })).toEqual(local.recommendFor(likes, { k: 8 }));
    } finally {
      local.dispose();
      worker.terminate();
    }
  });
});
