package io.tessera.sql.exec;

/**
 * A statement's or transaction's snapshot and where it came from: the timestamp oracle (unique,
 * so also fit to identify a transaction) or the shard primaries ({@code fromShards}: not unique; a
 * transaction then takes a {@link io.tessera.sql.meta.UniqueIds} value as its identity).
 */
public record SnapshotTimestamp(long ts, boolean fromShards) {
  public static SnapshotTimestamp fromOracle(long ts) {
    return new SnapshotTimestamp(ts, false);
  }

  public static SnapshotTimestamp fromShards(long ts) {
    return new SnapshotTimestamp(ts, true);
  }
}
