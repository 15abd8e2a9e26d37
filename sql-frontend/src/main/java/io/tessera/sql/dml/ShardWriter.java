package io.tessera.sql.dml;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.core.TableModify;

/**
 * Executes INSERT, UPDATE and DELETE against the shards.
 *
 * <p>The input rows are read completely first (UPDATE and DELETE read at the statement's read
 * timestamp), then turned into mutations: INSERT (full row, with a generated row id for tables
 * without a declared primary key), UPDATE (full new row), DELETE (primary key tuple); an UPDATE
 * that changes the primary or shard key becomes DELETE of the old key plus INSERT of the new row.
 * Mutations are routed by the hash of their shard key to the shard whose range contains it, and
 * each shard receives ONE {@link WriteRequest} (deletes, then updates, then inserts), all shards
 * in parallel, all with the same commit timestamp.
 *
 * <p>Atomicity: a shard applies its batch all or nothing, so a statement touching one shard is
 * atomic. A statement touching several shards is not (yet): when one shard fails, the batches
 * other shards applied stay applied. Distributed transactions will close that gap.
 *
 * <p>Requests answered with STALE_EPOCH, NOT_PRIMARY, UNKNOWN_SHARD or SCHEMA_MISMATCH, or failing
 * with UNAVAILABLE, are retried (bounded) after refreshing the metadata; a resent request keeps its
 * (client_id, seq), so a shard that already applied it does not apply it twice.
 */
public final class ShardWriter {
  /** Attempts per shard batch before giving up. */
  static final int MAX_ATTEMPTS = 6;
  /** Deadline of one write RPC. */
  static final long WRITE_DEADLINE_SECONDS = 60;

  private final WriteCluster cluster;
  private final DataContext context;
  private final WritePlan plan;
  private TableSchema schema;

  private ShardWriter(WriteCluster cluster, DataContext context, WritePlan plan) {
    this.cluster = cluster;
    this.context = context;
    this.plan = plan;
  }

  /** Entry point of the generated code: the ROWCOUNT row (one column, so a scalar). */
  public static Enumerable<Long> execute(DataContext context, WritePlan plan,
      Enumerable<Object[]> rows) {
    return Linq4j.singletonEnumerable(run(context, plan, rows));
  }

  static long run(DataContext context, WritePlan plan, Enumerable<Object[]> rows) {
    WriteCluster cluster = WriteClusters.from(context);
    return new ShardWriter(cluster, context, plan).write(rows.toList());
  }

  /** One mutation on its way to a shard. */
  private record Op(Mutation.Kind kind, byte[] row, Object[] shardKey, boolean counted) {}

  /** The mutations bound for one shard, and the seq they were first sent with. */
  private static final class Batch {
    final ShardState shard;
    final List<Op> ops = new ArrayList<>();
    long seq = -1;

    Batch(ShardState shard) {
      this.shard = shard;
    }
  }

  private long write(List<Object[]> input) {
    schema = currentSchema();
    if (input.isEmpty()) {
      return 0;
    }
    if (schema.getStrategy() != ShardStrategy.HASH) {
      throw TesseraException.unsupported("Writing to " + schema.getStrategy()
          + "-sharded table " + schema.getName() + " is not supported yet");
    }
    TableModify.Operation op = plan.operation();
    List<Op> ops;
    long commitTs;
    switch (op) {
      case INSERT: {
        boolean hiddenKey = hasHiddenRowId(schema);
        int n = input.size();
        long first = cluster.timestamps(hiddenKey ? n + 1 : 1);
        long nextId = first;
        commitTs = hiddenKey ? first + n : first;
        ops = new ArrayList<>(n);
        List<Object[]> inserted = new ArrayList<>(n);
        for (Object[] in : input) {
          Object[] row = newRow(in, hiddenKey ? nextId++ : null);
          inserted.add(row);
          ops.add(insert(row));
        }
        InsertedKeys.record(schema, inserted);
        break;
      }
      case DELETE:
        ops = deletes(input);
        commitTs = cluster.timestamps(1);
        break;
      case UPDATE:
        ops = updates(input);
        commitTs = cluster.timestamps(1);
        break;
      default:
        throw TesseraException.unsupported(op + " is not supported");
    }
    return send(ops, commitTs);
  }

  private TableSchema currentSchema() {
    TableSchema planned = plan.table().schema();
    TableSchema now = cluster.table(planned.getName());
    if (now == null || now.getTableId() != planned.getTableId()) {
      cluster.refresh();
      now = cluster.table(planned.getName());
    }
    if (now == null || now.getTableId() != planned.getTableId()) {
      throw new TesseraException(SqlStates.TABLE_NOT_FOUND, "Table " + planned.getName()
          + " was dropped or re-created since the statement was prepared");
    }
    return now;
  }

  static boolean hasHiddenRowId(TableSchema schema) {
    int n = schema.getColumnsCount();
    return n > 0 && schema.getColumns(n - 1).getHidden();
  }

  // ---- building mutations ----

  /** A full stored row from an INSERT input row (the visible columns, then the row id). */
  private Object[] newRow(Object[] in, Long rowId) {
    int n = schema.getColumnsCount();
    Object[] row = new Object[n];
    for (int i = 0; i < n; i++) {
      ColumnDef c = schema.getColumns(i);
      if (c.getHidden()) {
        row[i] = rowId;
      } else {
        row[i] = ColumnValues.coerce(schema.getName(), c, i < in.length ? in[i] : null);
      }
    }
    return row;
  }

  private Op insert(Object[] row) {
    return new Op(Mutation.Kind.INSERT, RowCodec.of(schema).encode(row), project(row,
        schema.getShardKeyList()), true);
  }

  private Op delete(Object[] row, boolean counted) {
    List<Integer> pk = schema.getPrimaryKeyList();
    return new Op(Mutation.Kind.DELETE, new RowCodec(types(pk)).encode(project(row, pk)),
        project(row, schema.getShardKeyList()), counted);
  }

  private List<Op> deletes(List<Object[]> input) {
    List<Object[][]> targets = storedRows(input);
    List<Op> ops = new ArrayList<>(targets.size());
    for (Object[][] t : targets) {
      ops.add(delete(t[0], true));
    }
    return ops;
  }

  private List<Op> updates(List<Object[]> input) {
    List<Object[][]> targets = storedRows(input);
    int[] cols = plan.updateColumns();
    int width = plan.tableColumns();
    List<Op> ops = new ArrayList<>(targets.size());
    ColumnType[] pkTypes = types(schema.getPrimaryKeyList());
    ColumnType[] skTypes = types(schema.getShardKeyList());
    for (Object[][] t : targets) {
      Object[] before = t[0];
      Object[] in = t[1];
      Object[] after = before.clone();
      for (int j = 0; j < cols.length; j++) {
        ColumnDef c = schema.getColumns(cols[j]);
        after[cols[j]] = ColumnValues.coerce(schema.getName(), c, in[width + j]);
      }
      boolean keyMoved = !Arrays.equals(
          KeyCodec.encodeTuple(pkTypes, project(before, schema.getPrimaryKeyList())),
          KeyCodec.encodeTuple(pkTypes, project(after, schema.getPrimaryKeyList())))
          || !Arrays.equals(
          KeyCodec.encodeTuple(skTypes, project(before, schema.getShardKeyList())),
          KeyCodec.encodeTuple(skTypes, project(after, schema.getShardKeyList())));
      if (keyMoved) {
        ops.add(delete(before, false));
        ops.add(insert(after));
      } else {
        ops.add(new Op(Mutation.Kind.UPDATE, RowCodec.of(schema).encode(after),
            project(after, schema.getShardKeyList()), true));
      }
    }
    return ops;
  }

  /**
   * Pairs {stored row, input row} for UPDATE/DELETE input rows, whose first
   * {@code tableColumns} values are the old visible row. The stored row has every column; for a
   * table with a hidden row id, the rows (and their ids) are looked up on the shards.
   */
  private List<Object[][]> storedRows(List<Object[]> input) {
    int width = plan.tableColumns();
    int columns = schema.getColumnsCount();
    List<Object[][]> pairs = new ArrayList<>(input.size());
    List<Object[]> visible = new ArrayList<>(input.size());
    for (Object[] in : input) {
      Object[] row = new Object[columns];
      for (int i = 0; i < columns && i < width; i++) {
        row[i] = normalize(schema.getColumns(i), in[i]);
      }
      visible.add(row);
      pairs.add(new Object[][] {row, in});
    }
    if (!hasHiddenRowId(schema) || width >= columns) {
      return pairs;
    }
    // Match the stored rows found back to input rows by their visible values.
    List<Integer> visibleOrdinals = new ArrayList<>();
    for (int i = 0; i < columns - 1; i++) {
      visibleOrdinals.add(i);
    }
    ColumnType[] visibleTypes = types(visibleOrdinals);
    Map<java.nio.ByteBuffer, Object[]> inputByValues = new java.util.HashMap<>();
    for (Object[][] p : pairs) {
      inputByValues.put(java.nio.ByteBuffer.wrap(
          KeyCodec.encodeTuple(visibleTypes, project(p[0], visibleOrdinals))), p[1]);
    }
    List<Object[][]> located = new ArrayList<>();
    for (Object[] stored : RowIdLocator.locate(cluster, context, schema, visible)) {
      Object[] in = inputByValues.get(java.nio.ByteBuffer.wrap(
          KeyCodec.encodeTuple(visibleTypes, project(stored, visibleOrdinals))));
      if (in != null) {
        located.add(new Object[][] {stored, in});
      }
    }
    return located;
  }

  private static Object normalize(ColumnDef c, Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof org.apache.calcite.avatica.util.ByteString) {
      return ((org.apache.calcite.avatica.util.ByteString) v).getBytes();
    }
    return io.tessera.protocol.codec.Values.normalize(c.getType(), v);
  }

  private ColumnType[] types(List<Integer> ordinals) {
    ColumnType[] t = new ColumnType[ordinals.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = schema.getColumns(ordinals.get(i)).getType();
    }
    return t;
  }

  private static Object[] project(Object[] row, List<Integer> ordinals) {
    Object[] out = new Object[ordinals.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = row[ordinals.get(i)];
    }
    return out;
  }

  // ---- routing and sending ----

  private Map<Long, Batch> route(List<Op> ops) {
    List<ShardState> shards = cluster.shards(schema.getTableId());
    ColumnType[] skTypes = types(schema.getShardKeyList());
    Map<Long, Batch> batches = new LinkedHashMap<>();
    for (Op op : ops) {
      long hash = ShardHash.hash(KeyCodec.encodeTuple(skTypes, op.shardKey()));
      ShardState target = null;
      for (ShardState s : shards) {
        if (ShardHash.contains(s.getHashLo(), s.getHashHi(), hash)) {
          target = s;
          break;
        }
      }
      if (target == null) {
        throw new TesseraException(SqlStates.CONNECTION_FAILURE, "No shard of table "
            + schema.getName() + " covers hash " + Long.toUnsignedString(hash));
      }
      final ShardState shard = target;
      batches.computeIfAbsent(shard.getShardId(), k -> new Batch(shard)).ops.add(op);
    }
    return batches;
  }

  private static List<Mutation> mutations(List<Op> ops) {
    List<Mutation> out = new ArrayList<>(ops.size());
    for (Mutation.Kind kind : new Mutation.Kind[] {Mutation.Kind.DELETE, Mutation.Kind.UPDATE,
        Mutation.Kind.UPSERT, Mutation.Kind.INSERT}) {
      for (Op op : ops) {
        if (op.kind() == kind) {
          out.add(Mutation.newBuilder().setKind(kind).setRow(ByteString.copyFrom(op.row()))
              .build());
        }
      }
    }
    return out;
  }

  private long send(List<Op> ops, long commitTs) {
    Map<Long, Batch> pending = route(ops);
    Map<Long, Long> previousSeq = new LinkedHashMap<>();
    long count = 0;
    TesseraException failure = null;
    for (int attempt = 1; !pending.isEmpty(); attempt++) {
      Map<Long, ListenableFuture<WriteResponse>> calls = new LinkedHashMap<>();
      for (Batch b : pending.values()) {
        Long seq = previousSeq.get(b.shard.getShardId());
        b.seq = seq != null ? seq : cluster.nextSeq();
        WriteRequest request = WriteRequest.newBuilder()
            .setShard(ShardRef.newBuilder().setShardId(b.shard.getShardId())
                .setEpoch(b.shard.getEpoch()))
            .setCommitTs(commitTs)
            .addAllMutations(mutations(b.ops))
            .setClientId(cluster.clientId())
            .setSeq(b.seq)
            .setSchemaVersion(schema.getVersion())
            .build();
        calls.put(b.shard.getShardId(),
            ShardServiceGrpc.newFutureStub(cluster.channel(b.shard.getPrimary()))
                .withDeadlineAfter(WRITE_DEADLINE_SECONDS, TimeUnit.SECONDS)
                .write(request));
      }
      List<Op> retry = new ArrayList<>();
      previousSeq.clear();
      boolean schemaChanged = false;
      for (Batch b : pending.values()) {
        WriteResponse response;
        try {
          response = calls.get(b.shard.getShardId()).get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TesseraException("57014", "Interrupted while writing to "
              + schema.getName(), e);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof StatusRuntimeException && retryable((StatusRuntimeException) cause)
              && attempt < MAX_ATTEMPTS) {
            retry.addAll(b.ops);
            // The outcome is unknown: resend with the same seq, so the node can deduplicate.
            previousSeq.put(b.shard.getShardId(), b.seq);
            continue;
          }
          if (failure == null) {
            failure = TesseraException.unavailable("Write to shard " + b.shard.getShardId()
                + " of " + schema.getName() + " on node " + b.shard.getPrimary() + " failed: "
                + cause.getMessage(), cause);
          }
          continue;
        }
        Error error = response.getError();
        if (ShardErrors.isOk(error)) {
          long uncounted = b.ops.stream().filter(o -> !o.counted()).count();
          count += Math.max(0, response.getApplied() - uncounted);
        } else if (ShardErrors.isRetryable(error) && attempt < MAX_ATTEMPTS) {
          retry.addAll(b.ops);
          schemaChanged |= error.getCode() == Error.Code.SCHEMA_MISMATCH;
        } else if (failure == null) {
          failure = TesseraException.fromShard(error,
              "table " + schema.getName() + ", shard " + b.shard.getShardId());
        }
      }
      if (failure != null) {
        throw failure;
      }
      if (retry.isEmpty()) {
        break;
      }
      backoff(attempt);
      cluster.refresh();
      if (schemaChanged) {
        TableSchema now = cluster.table(schema.getName());
        if (now == null || now.getTableId() != schema.getTableId()) {
          throw new TesseraException(SqlStates.TABLE_NOT_FOUND,
              "Table " + schema.getName() + " was dropped during the statement");
        }
        schema = now;
      }
      Map<Long, Batch> next = route(retry);
      // Keep a seq only where the very same mutations go to the very same shard again.
      Map<Long, Long> keep = new LinkedHashMap<>();
      for (Map.Entry<Long, Long> e : previousSeq.entrySet()) {
        Batch old = pending.get(e.getKey());
        Batch now = next.get(e.getKey());
        if (old != null && now != null && old.ops.equals(now.ops)) {
          keep.put(e.getKey(), e.getValue());
        }
      }
      previousSeq = keep;
      pending = next;
    }
    return count;
  }

  private static boolean retryable(StatusRuntimeException e) {
    switch (e.getStatus().getCode()) {
      case UNAVAILABLE:
        return true;
      default:
        return false;
    }
  }

  private static void backoff(int attempt) {
    try {
      Thread.sleep(Math.min(1000L, 20L * (1L << attempt)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TesseraException("57014", "Interrupted while retrying a write", e);
    }
  }
}
