package io.tessera.sql.exec;

import io.grpc.Channel;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/** What the read path needs from a cluster: metadata, routes, channels and timestamps. */
public interface ReadCluster {
  /** The table as the cluster metadata knows it now, or null if it does not exist. */
  @Nullable TableSchema table(String name);

  /** The table's shards ordered by ordinal, as the cluster metadata knows them now. */
  List<ShardState> shards(long tableId);

  /** The channel to a live node, or null when the node is not live. */
  @Nullable Channel channel(String nodeId);

  /** Whether a node is registered as live (a stopped or dead primary is about to be replaced). */
  default boolean isLive(String nodeId) {
    return channel(nodeId) != null;
  }

  /** A printable address of a node for messages (its host:port when known). */
  String describeNode(String nodeId);

  /** Re-reads the cluster metadata (after a stale route); returns when it is fresh. */
  void refresh();

  /** A fresh timestamp from the timestamp oracle. */
  long nextTimestamp();

  /**
   * The snapshot of a statement or transaction: a fresh oracle timestamp or, while the oracle does
   * not answer, one the shard primaries report ({@link SnapshotClock}). Either way it includes
   * every write acknowledged before the call; a shard timestamp is not unique, so it is never a
   * transaction's identity.
   */
  default SnapshotTimestamp snapshotTimestamp() {
    return SnapshotTimestamp.fromOracle(nextTimestamp());
  }

  /** The end of a known range of issued timestamps holding {@code ts}, else 0 ({@link IssuedRanges}). */
  default long rangeEnd(long ts) {
    return 0;
  }

  /** A primary reported that {@code ts} lies in an issued range ending at {@code end}. */
  default void learnRange(long ts, long end) {
  }
}
