/**
 * How a data-parallel pass splits an epoch between ranks. Training: every global minibatch of
 * worldSize × batchSize samples (of one order, drawn by rank 0 and shared) is cut into worldSize
 * consecutive slices of batchSize, rank r taking slice r; so every rank takes the same number of
 * steps, and together they step exactly as one process with batch worldSize × batchSize over the
 * same samples. The last worldSize − 1 samples at most (an epoch's remainder after an equal split)
 * are left out of that epoch, as torch's DistributedSampler(drop_last=True) does.
 */

/** Rank `rank`'s training samples of an epoch, in order. */
export function shardTrainOrder(order: readonly number[], rank: number, worldSize: number, batchSize: number): number[] {
  const perRank = Math.floor(order.length / worldSize);
  const shard: number[] = [];
  for (let start = 0; start < perRank; start += batchSize) {
    const size = Math.min(batchSize, perRank - start);
    const from = start * worldSize + rank * size;
    for (let i = 0; i < size; i++) shard.push(order[from + i]);
  }
  return shard;
}

/** Rank `rank`'s contiguous range [start, end) of a test set of n samples: every sample once. */
export function shardTestRange(n: number, rank: number, worldSize: number): [number, number] {
  return [Math.floor((rank * n) / worldSize), Math.floor(((rank + 1) * n) / worldSize)];
}
