package io.tessera.sql.dml;

import io.grpc.Channel;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.exec.ReadCluster;
import io.tessera.sql.exec.SnapshotTimestamp;
import io.tessera.sql.route.FailoverBudget;
import io.tessera.sql.txn.TxnSession;
import java.util.List;
import org.apache.calcite.DataContext;

/** What {@link ShardWriter} needs from the cluster: metadata, routes, stubs and timestamps. */
public interface WriteCluster {
  /** The table as the cluster metadata knows it now, or null if it does not exist. */
  TableSchema table(String name);

  /** The table's shards as the cluster metadata knows them now. */
  List<ShardState> shards(long tableId);

  /**
   * The gRPC channel to a node (by node id).
   *
   * @throws io.tessera.sql.error.TesseraException 08006 when the node is not live
   */
  Channel channel(String nodeId);

  /** Whether a node is registered as live. */
  boolean isLive(String nodeId);

  /** How long a write keeps following its shard's route through a failover. */
  FailoverBudget failover();

  /** The transaction state of the connection executing the statement. */
  TxnSession txn();

  /** The read path of the same cluster (to scan rows an UPDATE/DELETE must locate). */
  ReadCluster reads();

  /** {@code count} values unique in the cluster (hidden row ids; {@link io.tessera.sql.meta.UniqueIds}). */
  long[] uniqueIds(int count);

  /** The read timestamp of the statement being executed (UPDATE/DELETE read their rows at it). */
  long readTimestamp(DataContext context);

  /** The snapshot of the statement being executed, with where it came from. */
  SnapshotTimestamp snapshot(DataContext context);

  /** Re-reads the cluster metadata (after a stale route or schema). */
  void refresh();

  /** Identifies this frontend in (client_id, seq) of write requests. */
  String clientId();

  /** The next sequence number of this client. */
  long nextSeq();
}
