package io.tessera.sql.dml;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.PrewriteRequest;
import io.tessera.protocol.proto.PrimaryKeyRef;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.exec.ReadSnapshots;
import io.tessera.sql.route.FailoverBudget;
import io.tessera.sql.route.RouteWatch;
import io.tessera.sql.route.RouteWatch.Abandoned;
import io.tessera.sql.schema.TesseraSchema;
import io.tessera.sql.txn.Isolation;
import io.tessera.sql.txn.LockWait;
import io.tessera.sql.txn.Transaction;
import io.tessera.sql.txn.TxnSession;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.core.TableModify;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes INSERT, UPDATE and DELETE against the shards.
 *
 * <p>The input rows are read completely first (UPDATE and DELETE read at the statement's read
 * timestamp, inside a transaction with its own writes visible), then turned into mutations:
 * INSERT (full row, with a generated row id for tables without a declared primary key), UPDATE
 * (full new row), DELETE (primary key tuple); an UPDATE that changes the primary key (and so maybe
 * the shard) <em>moves</em> the row: DELETE of the old key plus INSERT of the new row. Mutations
 * are routed by the hash of their shard key to the shard whose range contains it, and each shard
 * receives ONE request (deletes, then updates, then inserts, so keys swapped within a shard work),
 * all shards in parallel.
 *
 * <p>How the statement is made atomic (docs/transactions.md):
 * <ul>
 *   <li>inside a transaction (autocommit off) the requests are {@code Prewrite}s of that
 *       transaction: locks holding the new rows, committed or rolled back with it (its first
 *       prewrite places the batch holding its primary key before the others, see
 *       {@link #prewrite});</li>
 *   <li>in autocommit mode, a statement whose mutations all go to one shard is one
 *       {@code Write}, applied all or nothing by that shard at one commit timestamp that the shard
 *       chooses itself ({@code commit_ts = 0}: no timestamp oracle on the way), no locks. When the
 *       statement read the rows it writes (UPDATE, DELETE, INSERT ... SELECT) the request names
 *       the snapshot it read them at ({@code read_ts}, see {@link ReadSnapshots}), and the shard
 *       refuses the write with 40001 if one of its keys changed after it, so a read-modify-write
 *       such as {@code SET x = x + 1} cannot lose a concurrent update;</li>
 *   <li>in autocommit mode, a statement writing several shards runs as an <em>implicit
 *       transaction</em>: prewrite on every shard, then commit (or roll back when a prewrite
 *       fails), so it is atomic too — moving rows between shards included. Its prewrites check
 *       conflicts against the snapshot the statement read at, like a one-phase write.</li>
 * </ul>
 *
 * <p>A request meeting another transaction's lock (LOCKED) has it resolved as a writer
 * ({@link io.tessera.sql.txn.LockResolver}): rolled forward or back, or waited for up to the
 * connection's lock wait timeout (then 40001); it is then resent with a new seq (the node did not
 * apply it).
 *
 * <p>Requests follow their shard's route through a failover: retryable answers and transport
 * failures, and calls waiting on a primary the metadata no longer names, are resent on the
 * refreshed route until the connection's {@link FailoverBudget} is spent; a resent request keeps
 * its (client_id, seq), so a shard that already applied it does not apply it twice (see
 * {@link #send}).
 */
public final class ShardWriter {
  /** Deadline of one write RPC. */
  static final long WRITE_DEADLINE_SECONDS = 60;

  private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);

  private final WriteCluster cluster;
  private final DataContext context;
  private final WritePlan plan;
  private final TxnSession session;
  private TableSchema schema;
  /** The transaction the requests prewrite in, or null: one-phase writes. */
  private Transaction txn;
  /** The snapshot the prewrites check conflicts against. */
  private long forUpdateTs;
  /** The snapshot a one-phase write's rows were read at (its {@code read_ts}); 0: a blind write. */
  private long readTs;
  /** The statement's wait for other transactions' locks (started at the first one). */
  private LockWait lockWait;

  private ShardWriter(WriteCluster cluster, DataContext context, WritePlan plan) {
    this.cluster = cluster;
    this.context = context;
    this.plan = plan;
    this.session = cluster.txn();
  }

  /** Entry point of the generated code: the ROWCOUNT row (one column, so a scalar). */
  public static Enumerable<Long> execute(DataContext context, WritePlan plan,
      Enumerable<Object[]> rows) {
    return Linq4j.singletonEnumerable(run(context, plan, rows));
  }

  static long run(DataContext context, WritePlan plan, Enumerable<Object[]> rows) {
    List<Object[]> input = rows.toList();
    if (BatchedInserts.offer(context, plan, input)) {
      return input.size(); // sent by BatchedInserts.flush, with the other parameter sets
    }
    return run(WriteClusters.from(context), context, plan, input, null);
  }

  /**
   * Inserts the rows of several executions of one INSERT at once; marks in {@code applied} the
   * rows the shards applied (also when it fails).
   */
  static long insertAll(DataContext context, WritePlan plan, List<Object[]> input,
      boolean[] applied) {
    return run(WriteClusters.from(context), context, plan, input, applied);
  }

  static long run(WriteCluster cluster, DataContext context, WritePlan plan,
      List<Object[]> input, boolean[] appliedRows) {
    return new ShardWriter(cluster, context, plan).write(input, appliedRows);
  }

  /**
   * Locks rows of {@code schema} in the connection's open transaction ({@code SELECT ... FOR
   * UPDATE}): a {@code Prewrite} of LOCK mutations, one request per shard, shards in parallel.
   * {@code rows} have the table's width, with (at least) the primary and shard key columns set.
   * Does nothing outside a transaction. A row committed by someone else after the transaction's
   * snapshot (REPEATABLE READ) fails with 40001, like an UPDATE of it would.
   */
  public static void lock(TesseraSchema tessera, TableSchema schema, List<Object[]> rows) {
    WriteCluster cluster = WriteClusters.of(tessera);
    ShardWriter writer = new ShardWriter(cluster, null, null);
    Transaction open = writer.session.current();
    if (open == null || rows.isEmpty()) {
      return;
    }
    writer.schema = schema;
    writer.txn = open;
    // READ COMMITTED: the rows are read again after they are locked, so the newest is right.
    writer.forUpdateTs = open.isolation() == Isolation.READ_COMMITTED
        ? cluster.reads().snapshotTimestamp().ts() : open.snapshotTs();
    List<Integer> pk = schema.getPrimaryKeyList();
    RowCodec keyCodec = new RowCodec(writer.types(pk));
    List<Op> ops = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      ops.add(new Op(Mutation.Kind.LOCK, keyCodec.encode(project(row, pk)),
          project(row, schema.getShardKeyList()), writer.key(row), false));
    }
    boolean choosesPrimary = open.primary() == null;
    try {
      writer.prewrite(ops);
    } catch (RuntimeException e) {
      if (choosesPrimary && !open.statementWrote()) {
        open.forgetPrimary();
      }
      throw e;
    }
  }

  /**
   * One mutation on its way to a shard (compared by identity), with its encoded primary key
   * (a transaction's primary key is the first one it prewrites).
   */
  private record Op(Mutation.Kind kind, byte[] row, Object[] shardKey, byte[] key,
      boolean counted) {
    @Override public boolean equals(Object o) {
      return this == o;
    }

    @Override public int hashCode() {
      return System.identityHashCode(this);
    }
  }

  /** The mutations bound for one shard, and the seq they were first sent with. */
  private static final class Batch {
    final ShardState shard;
    final List<Op> ops = new ArrayList<>();
    long seq = -1;

    Batch(ShardState shard) {
      this.shard = shard;
    }
  }

  private long write(List<Object[]> input, boolean[] appliedRows) {
    schema = currentSchema();
    if (session.readOnly()) {
      throw new TesseraException(SqlStates.READ_ONLY_TRANSACTION, plan.operation()
          + " on table " + schema.getName()
          + " is not allowed: the connection is read-only ("
          + (session.snapshot() != null ? "it reads the past: RESET SNAPSHOT_TIMESTAMP" : "setReadOnly(true)") + ")");
    }
    if (input.isEmpty()) {
      return 0;
    }
    if (schema.getStrategy() != ShardStrategy.HASH) {
      throw TesseraException.unsupported("Writing to " + schema.getStrategy()
          + "-sharded table " + schema.getName() + " is not supported yet");
    }
    TableModify.Operation op = plan.operation();
    List<Op> ops;
    List<Object[]> inserted = null;
    switch (op) {
      case INSERT: {
        int n = input.size();
        long[] ids = hasHiddenRowId(schema) ? cluster.uniqueIds(n) : null;
        ops = new ArrayList<>(n);
        inserted = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          Object[] row = newRow(input.get(i), ids != null ? ids[i] : null);
          inserted.add(row);
          ops.add(insert(row));
        }
        break;
      }
      case DELETE:
        ops = deletes(input);
        break;
      case UPDATE:
        ops = updates(input);
        break;
      default:
        throw TesseraException.unsupported(op + " is not supported");
    }
    Set<Op> applied = identitySet();
    try {
      long count = execute(ops, applied);
      if (inserted != null) {
        // Only now: a statement run again after 40001 (ConflictRetry) reports its last run's keys.
        InsertedKeys.record(schema, inserted);
      }
      return count;
    } finally {
      if (appliedRows != null) {
        for (int i = 0; i < ops.size(); i++) {
          appliedRows[i] = applied.contains(ops.get(i));
        }
      }
    }
  }

  /**
   * Sends the statement's mutations in the open transaction, as one one-phase write, or as an
   * implicit transaction (see the class comment); adds to {@code applied} what is applied for good
   * (committed, or prewritten in the open transaction).
   */
  private long execute(List<Op> ops, Set<Op> applied) {
    Transaction open = session.current();
    if (open != null) {
      txn = open;
      forUpdateTs = open.forUpdateTs(open.isolation() == Isolation.READ_COMMITTED
          ? cluster.readTimestamp(context) : open.snapshotTs());
      boolean choosesPrimary = open.primary() == null;
      try {
        long count = prewrite(ops);
        applied.addAll(ops);
        return count;
      } catch (RuntimeException e) {
        if (choosesPrimary && !open.statementWrote()) {
          // Nothing of this statement was written, so no lock names that primary key.
          open.forgetPrimary();
        }
        throw e;
      }
    }
    long snapshot = readSnapshot();
    if (route(ops).size() <= 1) {
      // One shard: it chooses the commit timestamp (no oracle call) and checks the snapshot.
      readTs = snapshot;
      return send(ops, applied);
    }
    // Several shards: an implicit transaction. A statement that read its rows conflicts with
    // what was committed after it read them.
    Transaction implicit = session.beginImplicit(
        plan.operation() != TableModify.Operation.INSERT || plan.readsTables()
            ? cluster.snapshot(context) : cluster.reads().snapshotTimestamp());
    txn = implicit;
    // A read of the latest state (one shard) happened before the transaction's snapshot was taken.
    long start = implicit.snapshotTs();
    forUpdateTs = snapshot == ReadSnapshots.NONE ? start : Math.min(snapshot, start);
    long count;
    try {
      count = prewrite(ops);
    } catch (RuntimeException e) {
      session.rollbackImplicit(implicit);
      throw e;
    }
    session.commitImplicit(implicit);
    applied.addAll(ops);
    return count;
  }

  /**
   * The snapshot the statement read the rows it writes at (the oldest of its reads,
   * {@link ReadSnapshots}), or 0 for a blind write ({@code INSERT ... VALUES}).
   */
  private long readSnapshot() {
    if (!plan.readsTables()) {
      return 0;
    }
    long oldest = ReadSnapshots.oldest(context);
    if (oldest == ReadSnapshots.NONE) {
      // No shard scan reported one (e.g. the rows came from SYS tables): nothing to check.
      LOG.debug("{} on {} read no shard at a known snapshot; writing without a conflict check",
          plan.operation(), schema.getName());
    }
    return oldest;
  }

  private static Set<Op> identitySet() {
    return Collections.newSetFromMap(new IdentityHashMap<>());
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

  private byte[] key(Object[] row) {
    return KeyCodec.encodeTuple(types(schema.getPrimaryKeyList()),
        project(row, schema.getPrimaryKeyList()));
  }

  private Op insert(Object[] row) {
    return new Op(Mutation.Kind.INSERT, RowCodec.of(schema).encode(row), project(row,
        schema.getShardKeyList()), key(row), true);
  }

  private Op delete(Object[] row, boolean counted) {
    List<Integer> pk = schema.getPrimaryKeyList();
    return new Op(Mutation.Kind.DELETE, new RowCodec(types(pk)).encode(project(row, pk)),
        project(row, schema.getShardKeyList()), key(row), counted);
  }

  private List<Op> deletes(List<Object[]> input) {
    List<Object[][]> targets = storedRows(input);
    List<Op> ops = new ArrayList<>(targets.size());
    for (Object[][] t : targets) {
      ops.add(delete(t[0], true));
    }
    return ops;
  }

  /**
   * The mutations of an UPDATE: the new row in place, or, for a row whose primary or shard key
   * changes, DELETE of the old key (not counted) and INSERT of the new row. Both are part of the
   * statement's single atomic unit (one shard's batch, or a transaction), so a failure leaves the
   * row where it was.
   */
  private List<Op> updates(List<Object[]> input) {
    List<Object[][]> targets = storedRows(input);
    int[] cols = plan.updateColumns();
    int width = plan.tableColumns();
    List<Op> ops = new ArrayList<>(targets.size());
    ColumnType[] skTypes = types(schema.getShardKeyList());
    for (Object[][] t : targets) {
      Object[] before = t[0];
      Object[] in = t[1];
      Object[] after = before.clone();
      for (int j = 0; j < cols.length; j++) {
        ColumnDef c = schema.getColumns(cols[j]);
        after[cols[j]] = ColumnValues.coerce(schema.getName(), c, in[width + j]);
      }
      byte[] oldKey = key(before);
      byte[] newKey = key(after);
      boolean keyMoved = !Arrays.equals(oldKey, newKey)
          || !Arrays.equals(
          KeyCodec.encodeTuple(skTypes, project(before, schema.getShardKeyList())),
          KeyCodec.encodeTuple(skTypes, project(after, schema.getShardKeyList())));
      if (keyMoved) {
        ops.add(delete(before, false));
        ops.add(insert(after));
      } else {
        ops.add(new Op(Mutation.Kind.UPDATE, RowCodec.of(schema).encode(after),
            project(after, schema.getShardKeyList()), newKey, true));
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
    Set<java.nio.ByteBuffer> found = new java.util.HashSet<>();
    for (Object[] stored : RowIdLocator.locate(cluster, context, schema, visible)) {
      java.nio.ByteBuffer values = java.nio.ByteBuffer.wrap(
          KeyCodec.encodeTuple(visibleTypes, project(stored, visibleOrdinals)));
      Object[] in = inputByValues.get(values);
      if (in != null) {
        located.add(new Object[][] {stored, in});
        found.add(values);
      }
    }
    if (found.size() < inputByValues.size()) {
      // The statement read its rows at the latest state and the locator at a later snapshot:
      // a row it selected changed in between. Like any write conflict, the statement may retry.
      throw new TesseraException(SqlStates.SERIALIZATION_FAILURE, 0, (inputByValues.size()
          - found.size()) + " row(s) of " + schema.getName() + " that the " + plan.operation()
          + " selected changed before they could be written; retry the statement", null);
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

  /** The shard whose hash range holds {@code op}'s shard key, or null. */
  private static ShardState shardFor(Op op, List<ShardState> shards, ColumnType[] skTypes) {
    long hash = ShardHash.hash(KeyCodec.encodeTuple(skTypes, op.shardKey()));
    for (ShardState s : shards) {
      if (ShardHash.contains(s.getHashLo(), s.getHashHi(), hash)) {
        return s;
      }
    }
    return null;
  }

  private Map<Long, Batch> route(List<Op> ops) {
    List<ShardState> shards = cluster.shards(schema.getTableId());
    ColumnType[] skTypes = types(schema.getShardKeyList());
    Map<Long, Batch> batches = new LinkedHashMap<>();
    for (Op op : ops) {
      ShardState target = shardFor(op, shards, skTypes);
      if (target == null) {
        throw new TesseraException(SqlStates.CONNECTION_FAILURE, "No shard of table "
            + schema.getName() + " covers hash " + Long.toUnsignedString(
            ShardHash.hash(KeyCodec.encodeTuple(skTypes, op.shardKey()))));
      }
      final ShardState shard = target;
      batches.computeIfAbsent(shard.getShardId(), k -> new Batch(shard)).ops.add(op);
    }
    return batches;
  }

  private static List<Mutation> mutations(List<Op> ops) {
    List<Mutation> out = new ArrayList<>(ops.size());
    for (Mutation.Kind kind : new Mutation.Kind[] {Mutation.Kind.DELETE, Mutation.Kind.UPDATE,
        Mutation.Kind.UPSERT, Mutation.Kind.INSERT, Mutation.Kind.LOCK}) {
      for (Op op : ops) {
        if (op.kind() == kind) {
          out.add(Mutation.newBuilder().setKind(kind).setRow(ByteString.copyFrom(op.row()))
              .build());
        }
      }
    }
    return out;
  }

  /** What a shard answered to a Write or a Prewrite. */
  private record Answer(long applied, Error error) {}

  /** A batch answered LOCKED, and the lock. */
  private record Locked(Batch batch, Lock lock) {}

  /**
   * Starts the request of one batch: a {@code Prewrite} of {@link #txn} when there is one, else a
   * one-phase {@code Write} whose commit timestamp the shard chooses, checked against
   * {@link #readTs}.
   */
  private ListenableFuture<Answer> request(Batch b, ShardRef ref) {
    ShardServiceGrpc.ShardServiceFutureStub stub = ShardServiceGrpc
        .newFutureStub(cluster.channel(b.shard.getPrimary()))
        .withDeadlineAfter(WRITE_DEADLINE_SECONDS, TimeUnit.SECONDS);
    if (txn == null) {
      WriteRequest request = WriteRequest.newBuilder()
          .setShard(ref)
          .setCommitTs(0)
          .setReadTs(readTs)
          .addAllMutations(mutations(b.ops))
          .setClientId(cluster.clientId())
          .setSeq(b.seq)
          .setSchemaVersion(schema.getVersion())
          .build();
      return Futures.transform(stub.write(request),
          r -> new Answer(r.getApplied(), r.getError()), MoreExecutors.directExecutor());
    }
    PrimaryKeyRef primary = txn.choosePrimary(PrimaryKeyRef.newBuilder()
        .setShardId(b.shard.getShardId()).setPk(ByteString.copyFrom(b.ops.get(0).key()))
        .build());
    txn.prewriting(b.shard.getShardId(), forUpdateTs);
    PrewriteRequest request = PrewriteRequest.newBuilder()
        .setShard(ref)
        .setStartTs(txn.startTs())
        .setForUpdateTs(forUpdateTs)
        .setPrimary(primary)
        .addAllMutations(mutations(b.ops))
        .setTtlMs(txn.ttlMs())
        .setClientId(cluster.clientId())
        .setSeq(b.seq)
        .setSchemaVersion(schema.getVersion())
        .build();
    Transaction t = txn;
    return Futures.transform(stub.prewrite(request), r -> {
      if (ShardErrors.isOk(r.getError())) {
        t.prewritten(r.getMinCommitTs());
        cluster.reads().learnRange(r.getMinCommitTs(), r.getMinCommitTsRangeEnd());
      }
      return new Answer(r.getApplied(), r.getError());
    }, MoreExecutors.directExecutor());
  }

  /**
   * Prewrites {@code ops} in {@link #txn}; returns the rows counted. While the transaction has no
   * primary key yet, the batch holding it goes first and the other shards follow in parallel once
   * it is placed: a reader meeting a secondary lock checks the primary's shard, and finding no
   * primary lock there, it would roll the transaction back.
   */
  private long prewrite(List<Op> ops) {
    if (txn.primary() != null || ops.isEmpty()) {
      return send(ops, identitySet());
    }
    List<Batch> batches = new ArrayList<>(route(ops).values());
    long count = send(batches.get(0).ops, identitySet());
    List<Op> rest = new ArrayList<>(ops.size());
    for (int i = 1; i < batches.size(); i++) {
      rest.addAll(batches.get(i).ops);
    }
    return count + send(rest, identitySet());
  }

  /** Marks that this statement's writes may be on a shard (its transaction is then dirty). */
  private void mayHaveWritten() {
    if (txn != null) {
      txn.wroteInStatement();
    }
  }

  /**
   * Sends {@code ops} (one request per shard, in parallel, retried as needed) as one-phase writes,
   * or as prewrites of {@link #txn}; adds the mutations of every batch a
   * shard applied to {@code applied}, also when another batch fails. Returns the rows counted.
   *
   * <p>A batch answered with a retryable error (STALE_EPOCH, NOT_PRIMARY, NOT_SERVING,
   * UNKNOWN_SHARD, SCHEMA_MISMATCH), failing with UNAVAILABLE or DEADLINE_EXCEEDED, bound for a
   * node that is not live, or waiting on a primary that the metadata no longer names (checked
   * every {@link FailoverBudget#ROUTE_POLL} while waiting; the call is then cancelled), is resent
   * on the refreshed route after a backoff, until the connection's failover budget is spent.
   * A batch resent with the very same mutations to the same shard keeps its seq, so a primary
   * (old or new) that already applied it answers from its dedup table instead of applying it
   * twice. A batch answered LOCKED was not applied: once the lock is resolved (or waited for) it
   * is resent with a new seq.
   */
  private long send(List<Op> ops, Set<Op> applied) {
    if (ops.isEmpty()) {
      return 0;
    }
    Map<Long, Batch> pending = route(ops);
    Map<Long, Long> previousSeq = new LinkedHashMap<>();
    long count = 0;
    FailoverBudget.Attempts attempts = null;
    String lastProblem = "";
    Throwable lastCause = null;
    while (!pending.isEmpty()) {
      Map<Long, ListenableFuture<Answer>> calls = new LinkedHashMap<>();
      Map<Long, String> notSent = new HashMap<>();
      for (Batch b : pending.values()) {
        long shardId = b.shard.getShardId();
        Long seq = previousSeq.get(shardId);
        b.seq = seq != null ? seq : cluster.nextSeq();
        String primary = b.shard.getPrimary();
        if (primary.isEmpty() || !cluster.isLive(primary)) {
          notSent.put(shardId, "the primary " + (primary.isEmpty() ? "(none)" : primary)
              + " of shard " + shardId + " is not live");
          continue;
        }
        ShardRef ref = ShardRef.newBuilder().setShardId(shardId).setEpoch(b.shard.getEpoch())
            .build();
        try {
          calls.put(shardId, request(b, ref));
        } catch (TesseraException e) {
          notSent.put(shardId, e.getMessage());
        }
      }
      List<Op> retry = new ArrayList<>();
      List<Locked> locked = new ArrayList<>();
      boolean failoverRetry = false;
      previousSeq.clear();
      boolean schemaChanged = false;
      TesseraException failure = null;
      for (Batch b : pending.values()) {
        long shardId = b.shard.getShardId();
        String where = "shard " + shardId + " of " + schema.getName() + " on node "
            + b.shard.getPrimary();
        Object outcome = notSent.containsKey(shardId) ? new Abandoned(notSent.get(shardId))
            : RouteWatch.await(calls.get(shardId), () -> routeMoved(b.shard),
                "a write to " + schema.getName());
        if (outcome instanceof Abandoned) {
          // Not sent, or its outcome is unknown: resend with the same seq.
          if (calls.containsKey(shardId)) {
            mayHaveWritten();
          }
          retry.addAll(b.ops);
          failoverRetry = true;
          previousSeq.put(shardId, b.seq);
          lastProblem = ((Abandoned) outcome).reason();
          lastCause = null;
          continue;
        }
        if (outcome instanceof Throwable) {
          mayHaveWritten();
        }
        if (outcome instanceof StatusRuntimeException) {
          StatusRuntimeException e = (StatusRuntimeException) outcome;
          if (FailoverBudget.retryable(e.getStatus().getCode())) {
            retry.addAll(b.ops);
            failoverRetry = true;
            previousSeq.put(shardId, b.seq);
            lastProblem = "write to " + where + " failed: " + e.getStatus();
            lastCause = e;
          } else if (failure == null) {
            failure = TesseraException.unavailable("Write to " + where + " failed: "
                + e.getMessage(), e);
          }
          continue;
        }
        if (outcome instanceof Throwable) {
          Throwable t = (Throwable) outcome;
          if (failure == null) {
            failure = TesseraException.unavailable("Write to " + where + " failed: "
                + t.getMessage(), t);
          }
          continue;
        }
        Answer response = (Answer) outcome;
        Error error = response.error();
        if (ShardErrors.isOk(error)) {
          mayHaveWritten();
          long uncounted = b.ops.stream().filter(o -> !o.counted()).count();
          count += Math.max(0, response.applied() - uncounted);
          applied.addAll(b.ops);
        } else if (error.getCode() == Error.Code.LOCKED && error.hasLock()) {
          locked.add(new Locked(b, error.getLock()));
        } else if (FailoverBudget.retryable(error)) {
          retry.addAll(b.ops);
          failoverRetry = true;
          // NOT_SERVING may come after the entry was logged: only the same seq is safe.
          previousSeq.put(shardId, b.seq);
          schemaChanged |= error.getCode() == Error.Code.SCHEMA_MISMATCH;
          lastProblem = where + " answered " + error.getCode() + ": " + error.getMessage();
          lastCause = null;
        } else if (failure == null) {
          failure = TesseraException.fromShard(error,
              "table " + schema.getName() + ", shard " + shardId);
        }
      }
      if (failure != null) {
        throw failure;
      }
      for (Locked l : locked) {
        if (lockWait == null) {
          lockWait = new LockWait(session.options().lockWaitTimeoutMs());
        }
        session.locks().forWriter(l.lock(), l.batch().shard.getShardId(), lockWait);
        retry.addAll(l.batch().ops);
      }
      if (retry.isEmpty()) {
        break;
      }
      if (failoverRetry) {
        if (attempts == null) {
          attempts = cluster.failover().start();
        }
        if (!attempts.backoff()) {
          throw attempts.exhausted("Write to " + schema.getName(), lastProblem, lastCause);
        }
        try {
          cluster.refresh();
        } catch (TesseraException e) {
          // ZooKeeper is unreachable for now: go on with the cached routes.
          LOG.debug("Cannot refresh the metadata before resending a write: {}", e.getMessage());
        }
      }
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

  /** Why a call to {@code sent}'s primary should be abandoned, or null. */
  private String routeMoved(ShardState sent) {
    String primary = sent.getPrimary();
    if (!cluster.isLive(primary)) {
      return "node " + primary + " (primary of shard " + sent.getShardId()
          + ") is no longer live";
    }
    for (ShardState now : cluster.shards(schema.getTableId())) {
      if (now.getShardId() == sent.getShardId()) {
        return now.getEpoch() == sent.getEpoch() && now.getPrimary().equals(primary) ? null
            : "shard " + sent.getShardId() + " moved from " + primary + " (epoch "
                + sent.getEpoch() + ") to " + now.getPrimary() + " (epoch " + now.getEpoch()
                + ")";
      }
    }
    return null;
  }

}
