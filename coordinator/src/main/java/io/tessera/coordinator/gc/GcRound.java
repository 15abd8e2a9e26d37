package io.tessera.coordinator.gc;

/**
 * What one garbage-collection round did.
 *
 * @param safePoint the safe point sent to the replicas (and persisted in ZooKeeper)
 * @param replicas replicas of all shards
 * @param replicasReached those that accepted the safe point
 * @param locksResolved locks below the safe point rolled forward or back
 * @param txnRecordsCollected whether every replica was reached and every lock below the safe point
 *     resolved, so the transaction records below it were collected too
 */
public record GcRound(long safePoint, int replicas, int replicasReached, long locksResolved, boolean txnRecordsCollected) {}
