// Mean per-user ROC AUC with the engine's definition (DESIGN.md): rank all items except the
// user's train positives; a user counts with at least one test positive; ties count 1/2.
// An independent JS implementation, for models the engine does not hold (TF.js).

/** scores: Float32Array users x items, row-major. */
export function meanUserAuc(scores, positives) {
  const { users, items, trainSets, testSets } = positives;
  let sum = 0;
  let counted = 0;
  const order = new Int32Array(items);
  for (let user = 0; user < users; ++user) {
    const test = testSets[user];
    if (test.size === 0) continue;
    const row = scores.subarray(user * items, (user + 1) * items);
    let n = 0;
    for (let item = 0; item < items; ++item) if (!trainSets[user].has(item)) order[n++] = item;
    const ranked = order.subarray(0, n).sort((a, b) => row[a] - row[b]);
    // Sum of the (tie-averaged, 1-based) ranks of the positives -> Mann-Whitney U.
    let positiveRankSum = 0;
    let nPositive = 0;
    for (let start = 0; start < n;) {
      let end = start + 1;
      while (end < n && row[ranked[end]] === row[ranked[start]]) ++end;
      const averageRank = (start + 1 + end) / 2;
      for (let i = start; i < end; ++i) if (test.has(ranked[i])) { positiveRankSum += averageRank; ++nPositive; }
      start = end;
    }
    const nNegative = n - nPositive;
    if (nPositive === 0 || nNegative === 0) continue;
    sum += (positiveRankSum - nPositive * (nPositive + 1) / 2) / (nPositive * nNegative);
    ++counted;
  }
  return { auc: sum / counted, users: counted };
}
