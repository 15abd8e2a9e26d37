package io.tessera.sql.exec;

/**
 * A statement's read snapshot and where it came from: the timestamp oracle (unique, fit for
 * anything) or the shard primaries ({@code fromShards}: not unique, only for reading).
 */
public record SnapshotTimestamp(long ts, boolean fromShards) {
  public static SnapshotTimestamp fromOracle(long ts) {
    return new SnapshotTimestamp(ts, false);
  }

  public static SnapshotTimestamp fromShards(long ts) {
    return new SnapshotTimestamp(ts, true);
  }
}
