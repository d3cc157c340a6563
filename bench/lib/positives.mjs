// The prepared train/test positives of a Recommender as dense index arrays, so another library
// (TF.js) trains on exactly the triplet anchors tripletrec trains on. Not timed.
import { loadBenchData } from './prepare-options.mjs';

/** The positives of the benchmark data (see loadBenchData), from a Recommender freed afterwards. */
export async function benchPositives(Recommender, data) {
  const recommender = await Recommender.create();
  try {
    loadBenchData(recommender, data);
    return extractPositives(recommender);
  } finally {
    recommender.dispose();
  }
}

export function extractPositives(recommender) {
  const userIds = recommender.users();
  const itemIds = recommender.popular(recommender.preparedStats().counts.items).map((item) => item.id);
  const itemIndex = new Map(itemIds.map((id, index) => [id, index]));
  const trainUsers = [];
  const trainItems = [];
  const trainSets = [];
  const testSets = [];
  userIds.forEach((userId, user) => {
    const history = recommender.userHistory(userId);
    const train = history.train.map((item) => itemIndex.get(item.id));
    for (const item of train) { trainUsers.push(user); trainItems.push(item); }
    trainSets.push(new Set(train));
    testSets.push(new Set(history.test.map((item) => itemIndex.get(item.id))));
  });
  return {
    users: userIds.length, items: itemIds.length,
    trainUsers: Int32Array.from(trainUsers), trainItems: Int32Array.from(trainItems), trainSets, testSets,
  };
}
