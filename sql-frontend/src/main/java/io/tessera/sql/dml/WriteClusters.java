package io.tessera.sql.dml;

import io.grpc.Channel;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.exec.ClusterReads;
import io.tessera.sql.exec.ReadCluster;
import io.tessera.sql.exec.SnapshotTimestamp;
import io.tessera.sql.exec.StatementTimestamps;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.route.FailoverBudget;
import io.tessera.sql.schema.TesseraSchema;
import io.tessera.sql.txn.TxnSession;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.calcite.DataContext;

/** The {@link WriteCluster} of the connection executing a statement. */
final class WriteClusters {
  /** Identifies this frontend process in write requests; seqs are unique within it. */
  private static final String CLIENT_ID = "frontend-" + UUID.randomUUID();
  private static final AtomicLong SEQ = new AtomicLong();

  private WriteClusters() {}

  static WriteCluster from(DataContext context) {
    return of(TesseraSchema.from(context));
  }

  /** The {@link WriteCluster} of the connection owning {@code schema}. */
  static WriteCluster of(TesseraSchema schema) {
    return new Adapter(schema.client(), schema.reads(), schema.failover(), schema.txn());
  }

  private record Adapter(ClusterClient client, ReadCluster reads, FailoverBudget failover,
      TxnSession txn) implements WriteCluster {
    @Override public TableSchema table(String name) {
      return reads.table(name);
    }

    @Override public List<ShardState> shards(long tableId) {
      return reads.shards(tableId);
    }

    @Override public Channel channel(String nodeId) {
      Channel c = reads.channel(nodeId);
      if (c == null) {
        throw TesseraException.unavailable("Shard node " + nodeId + " is not live", null);
      }
      return c;
    }

    @Override public boolean isLive(String nodeId) {
      return reads.isLive(nodeId);
    }

    @Override public long[] uniqueIds(int count) {
      return ClusterReads.of(client).uniqueIds().take(count);
    }

    @Override public long readTimestamp(DataContext context) {
      return StatementTimestamps.readTimestamp(context);
    }

    @Override public SnapshotTimestamp snapshot(DataContext context) {
      return StatementTimestamps.snapshot(context);
    }

    @Override public void refresh() {
      reads.refresh();
    }

    /**
     * Per thread: a thread has at most one write per shard in flight, so the newest seq a node
     * recorded for this client is the one a retry resends, even if the node keeps only the
     * newest seq of each client.
     */
    @Override public String clientId() {
      return CLIENT_ID + "-" + Thread.currentThread().getId();
    }

    @Override public long nextSeq() {
      return SEQ.incrementAndGet();
    }
  }
}
