// A TypeScript consumer in CommonJS: the ESM-only package through a dynamic import().
export async function consumeFromCommonJs(): Promise<number> {
  const { Recommender } = await import('tripletrec');
  const rec = await Recommender.create();
  rec.loadSample();
  const count: number = rec.loadedStats().counts.ratings;
  rec.dispose();
  return count;
}
