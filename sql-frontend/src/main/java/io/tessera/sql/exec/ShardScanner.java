package io.tessera.sql.exec;

import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.TxnRead;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongConsumer;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;

/**
 * Runs one {@link ScanSpec}: picks the target shards (hashing the bound shard-key tuples), starts
 * one {@link ShardStream} per shard in parallel, all at the statement's read timestamp (or at the
 * latest state, for the sole scan of a statement reaching one shard), and
 * returns their rows: concatenated, or k-way merged when the fragment is sorted; then applies the
 * offset and fetch. Closing the enumerator cancels every shard call still running. The snapshot
 * each shard read at is recorded for the statement ({@link ReadSnapshots}).
 */
public final class ShardScanner {
  private ShardScanner() {}

  /**
   * The rows of {@code spec}; each enumeration scans anew, at the read timestamp of the
   * statement that {@code root} belongs to ({@link StatementTimestamps}): the latest state when
   * {@code soleScan} (the plan's only shard scan) reaches a single shard.
   */
  public static Enumerable<Object> enumerable(ReadCluster cluster, ScanSpec spec,
      DataContext root, ScanOptions options, boolean soleScan) {
    return new AbstractEnumerable<Object>() {
      @Override public Enumerator<Object> enumerator() {
        return open(cluster, spec,
            shards -> StatementTimestamps.readTimestamp(root, soleScan && shards == 1),
            options, ReadSnapshots.recorder(root));
      }
    };
  }

  /** Chooses the read timestamp of a scan once its target shards are known. */
  public interface ReadTimestamp {
    long forShards(int shards);
  }

  /** Starts the scans of {@code spec} at {@code readTs}. */
  public static Enumerator<Object> open(ReadCluster cluster, ScanSpec spec, long readTs,
      ScanOptions options) {
    return open(cluster, spec, shards -> readTs, options, ts -> { });
  }

  /**
   * Starts the scans of {@code spec} at {@code readTs} on behalf of the statement execution
   * owning {@code statement}, which learns the snapshot they read ({@link ReadSnapshots}).
   */
  public static Enumerator<Object> open(ReadCluster cluster, ScanSpec spec, long readTs,
      ScanOptions options, DataContext statement) {
    return open(cluster, spec, shards -> readTs, options, ReadSnapshots.recorder(statement));
  }

  /**
   * Starts the scans of {@code spec} at the timestamp {@code readTs} gives for its targets;
   * {@code snapshots} is told the snapshot each shard's scan read at.
   */
  public static Enumerator<Object> open(ReadCluster cluster, ScanSpec spec,
      ReadTimestamp readTs, ScanOptions options, LongConsumer snapshots) {
    TableSchema table = spec.table();
    List<ShardState> targets = targets(cluster, spec);
    long ts = readTs.forShards(targets.size());
    ScanRequest.Builder builder = spec.request().toBuilder()
        .setReadTs(ts)
        .setReadTsRangeEnd(ts > 0 ? cluster.rangeEnd(ts) : 0);
    TxnRead txn = options.locks().txnRead();
    if (txn != null) {
      builder.setTxn(txn);
    }
    ScanRequest request = builder.build();
    RowDecoder decoder = new RowDecoder(spec.outputTypes());
    List<ShardStream> streams = new ArrayList<>(targets.size());
    try {
      for (ShardState shard : targets) {
        ShardStream s = new ShardStream(cluster, table.getName(), table.getTableId(),
            shard.getShardId(), request, decoder, options, snapshots);
        streams.add(s);
        s.start();
      }
    } catch (RuntimeException e) {
      streams.forEach(ShardStream::close);
      throw e;
    }
    RowSource rows = spec.sorted() && streams.size() > 1
        ? new SortedMerge(streams, spec.request().getFragment().getSortList())
        : new Concatenation(streams);
    return new RowEnumerator(rows, spec.offset(), spec.fetch(), spec.scalarRows());
  }

  /** The shards that may hold rows of {@code spec}, in ordinal order. */
  static List<ShardState> targets(ReadCluster cluster, ScanSpec spec) {
    TableSchema planned = spec.table();
    TableSchema current = cluster.table(planned.getName());
    if (current == null || current.getTableId() != planned.getTableId()) {
      throw new TesseraException(SqlStates.TABLE_NOT_FOUND,
          "Table " + planned.getName() + " was dropped or re-created; prepare the statement again");
    }
    List<ShardState> shards = cluster.shards(planned.getTableId());
    List<Object[]> keys = spec.shardKeys();
    if (keys == null || planned.getStrategy() != ShardStrategy.HASH) {
      return shards;
    }
    ColumnType[] types = shardKeyTypes(planned);
    Set<Integer> owners = new TreeSet<>();
    for (Object[] tuple : keys) {
      long hash = ShardHash.hash(KeyCodec.encodeTuple(types, tuple));
      for (int i = 0; i < shards.size(); i++) {
        ShardState s = shards.get(i);
        if (ShardHash.contains(s.getHashLo(), s.getHashHi(), hash)) {
          owners.add(i);
        }
      }
    }
    List<ShardState> targets = new ArrayList<>(owners.size());
    for (int i : owners) {
      targets.add(shards.get(i));
    }
    return targets;
  }

  /** Types of the shard-key columns (the primary key's when no shard key is declared). */
  public static ColumnType[] shardKeyTypes(TableSchema schema) {
    List<Integer> key = schema.getShardKeyCount() > 0 ? schema.getShardKeyList()
        : schema.getPrimaryKeyList();
    List<ColumnDef> defs = new ArrayList<>(key.size());
    for (int c : key) {
      defs.add(schema.getColumns(c));
    }
    return RowCodec.columnTypes(defs);
  }

  /** Rows of several shards as one sequence. */
  interface RowSource extends AutoCloseable {
    /** The next row, or null at the end. */
    Object[] next();

    @Override void close();
  }

  /** Applies offset and fetch, and unwraps one-column rows when Calcite wants scalars. */
  private static final class RowEnumerator implements Enumerator<Object> {
    private final RowSource rows;
    private final boolean scalar;
    private long toSkip;
    private long remaining;
    private Object current;
    private boolean closed;

    RowEnumerator(RowSource rows, long offset, long fetch, boolean scalar) {
      this.rows = rows;
      this.toSkip = offset;
      this.remaining = fetch < 0 ? Long.MAX_VALUE : fetch;
      this.scalar = scalar;
    }

    @Override public Object current() {
      return current;
    }

    @Override public boolean moveNext() {
      if (closed) {
        return false;
      }
      while (toSkip > 0) {
        if (rows.next() == null) {
          close();
          return false;
        }
        toSkip--;
      }
      if (remaining <= 0) {
        close();
        return false;
      }
      Object[] row = rows.next();
      if (row == null) {
        close();
        return false;
      }
      remaining--;
      current = scalar ? row[0] : row;
      return true;
    }

    @Override public void reset() {
      throw new UnsupportedOperationException("shard scans cannot be reset");
    }

    @Override public void close() {
      if (!closed) {
        closed = true;
        rows.close();
      }
    }
  }
}
