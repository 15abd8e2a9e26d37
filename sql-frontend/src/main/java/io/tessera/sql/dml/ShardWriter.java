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
import io.tessera.sql.route.FailoverBudget;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * timestamp), then turned into mutations: INSERT (full row, with a generated row id for tables
 * without a declared primary key), UPDATE (full new row), DELETE (primary key tuple); an UPDATE
 * that changes the primary key (and so maybe the shard) <em>moves</em> the row: DELETE of the old
 * key plus INSERT of the new row. Mutations are routed by the hash of their shard key to the shard
 * whose range contains it, and each shard receives ONE {@link WriteRequest} (deletes, then
 * updates, then inserts), all shards in parallel, all with the same commit timestamp (an UPDATE
 * moving rows across shards takes several such rounds, each with its own timestamp, see below).
 *
 * <p>Atomicity: a shard applies its batch all or nothing, so a statement touching one shard is
 * atomic. A statement touching several shards is not (yet): when one shard fails, the batches
 * other shards applied stay applied. Distributed transactions will close that gap.
 *
 * <p>Moving rows across shards is made safe for the common failures without transactions: the
 * INSERT of a row's new key is applied before (in an earlier round of requests than) the DELETE of
 * its old key, so a duplicate key or a constraint violation deletes nothing, and a row is never
 * lost. A move whose old and new keys are on the same shard stays in one batch (atomic). When
 * several rows move and one's new key is another's old key ({@code SET id = id + 1}), that DELETE
 * goes no later than the INSERT reusing the key, which orders the rounds as a chain; see
 * {@link #phases}. If a DELETE round fails after its INSERTs were applied, the rows inserted under
 * the new keys of the moves not completed are deleted again (compensation, best effort, logged).
 * Moves that form a cycle across shards (swapping keys) cannot be ordered that way; they are sent
 * in one round, as before.
 *
 * <p>Requests follow their shard's route through a failover: retryable answers and transport
 * failures, and calls waiting on a primary the metadata no longer names, are resent on the
 * refreshed route until the connection's {@link FailoverBudget} is spent; a resent request keeps
 * its (client_id, seq), so a shard that already applied it does not apply it twice (see
 * {@link #send}).
 *
 * <p>Rows written (also by a statement that then fails) are reported to the connection's
 * {@link WriteListener}.
 */
public final class ShardWriter {
  /** Deadline of one write RPC. */
  static final long WRITE_DEADLINE_SECONDS = 60;

  private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);

  private final WriteCluster cluster;
  private final DataContext context;
  private final WritePlan plan;
  private TableSchema schema;
  /** Rows this statement changed on the shards so far (what stays applied if it fails). */
  private long rowsWritten;

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
    ShardWriter writer = new ShardWriter(cluster, context, plan);
    try {
      return writer.write(input, appliedRows);
    } finally {
      WriteListener.Registry.rowsWritten(context, writer.rowsWritten);
    }
  }

  /** One mutation on its way to a shard (compared by identity). */
  private static final class Op {
    final Mutation.Kind kind;
    final byte[] row;
    final Object[] shardKey;
    final boolean counted;

    Op(Mutation.Kind kind, byte[] row, Object[] shardKey, boolean counted) {
      this.kind = kind;
      this.row = row;
      this.shardKey = shardKey;
      this.counted = counted;
    }

    Mutation.Kind kind() {
      return kind;
    }

    byte[] row() {
      return row;
    }

    Object[] shardKey() {
      return shardKey;
    }

    boolean counted() {
      return counted;
    }
  }

  /**
   * An UPDATE that changes a row's primary key: DELETE of the old key, INSERT of the new row.
   * {@code oldPk}/{@code newPk} are the encoded key tuples.
   */
  private record Move(Object[] before, Object[] after, Op delete, Op insert, ByteBuffer oldPk,
      ByteBuffer newPk) {}

  /** The mutations of an UPDATE: rows updated in place, and rows moved to a new key. */
  private record Updates(List<Op> inPlace, List<Move> moves) {}

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
        if (appliedRows != null) {
          Set<Op> applied = identitySet();
          try {
            return send(ops, commitTs, applied);
          } finally {
            for (int i = 0; i < ops.size(); i++) {
              appliedRows[i] = applied.contains(ops.get(i));
            }
          }
        }
        break;
      }
      case DELETE:
        ops = deletes(input);
        commitTs = cluster.timestamps(1);
        break;
      case UPDATE:
        return update(updates(input));
      default:
        throw TesseraException.unsupported(op + " is not supported");
    }
    return send(ops, commitTs, identitySet());
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

  private Updates updates(List<Object[]> input) {
    List<Object[][]> targets = storedRows(input);
    int[] cols = plan.updateColumns();
    int width = plan.tableColumns();
    List<Op> ops = new ArrayList<>(targets.size());
    List<Move> moves = new ArrayList<>();
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
      byte[] oldPk = KeyCodec.encodeTuple(pkTypes, project(before, schema.getPrimaryKeyList()));
      byte[] newPk = KeyCodec.encodeTuple(pkTypes, project(after, schema.getPrimaryKeyList()));
      boolean keyMoved = !Arrays.equals(oldPk, newPk)
          || !Arrays.equals(
          KeyCodec.encodeTuple(skTypes, project(before, schema.getShardKeyList())),
          KeyCodec.encodeTuple(skTypes, project(after, schema.getShardKeyList())));
      if (keyMoved) {
        moves.add(new Move(before, after, delete(before, false), insert(after),
            ByteBuffer.wrap(oldPk), ByteBuffer.wrap(newPk)));
      } else {
        ops.add(new Op(Mutation.Kind.UPDATE, RowCodec.of(schema).encode(after),
            project(after, schema.getShardKeyList()), true));
      }
    }
    return new Updates(ops, moves);
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

  // ---- UPDATE: rows in place, rows moving to a new key ----

  private long update(Updates u) {
    if (u.moves().isEmpty()) {
      return send(u.inPlace(), cluster.timestamps(1), identitySet());
    }
    List<List<Op>> phases = phases(u);
    long firstTs = cluster.timestamps(phases.size());
    Set<Op> applied = identitySet();
    long count = 0;
    for (int p = 0; p < phases.size(); p++) {
      try {
        count += send(phases.get(p), firstTs + p, applied);
      } catch (RuntimeException e) {
        throw compensate(u.moves(), applied, e);
      }
    }
    return count;
  }

  /**
   * Orders an UPDATE's mutations into rounds (each one request per shard, sent after the previous
   * round succeeded), so that for every moved row:
   * <ul>
   *   <li>the INSERT of the new key comes before the DELETE of the old key when the two are on
   *       different shards (a failed INSERT then deletes nothing), and in the same batch when they
   *       are on the same shard (atomic);</li>
   *   <li>the DELETE of a key that another moved row takes over comes no later than that INSERT
   *       (same shard, and within a batch deletes come first).</li>
   * </ul>
   * Each moved row has at most one such predecessor (the row whose old key is its new key), so
   * the constraints form chains, solved by walking them once. A cycle that crosses shards (keys
   * swapped between shards) cannot be ordered: then everything goes in one round, as before
   * (logged). Rows updated in place go in the first round.
   */
  private List<List<Op>> phases(Updates u) {
    List<Move> moves = u.moves();
    int n = moves.size();
    List<ShardState> shards = cluster.shards(schema.getTableId());
    ColumnType[] skTypes = types(schema.getShardKeyList());
    Map<ByteBuffer, Integer> byOldKey = new HashMap<>();
    for (int i = 0; i < n; i++) {
      byOldKey.put(moves.get(i).oldPk(), i);
    }
    int[] pred = new int[n];
    boolean[] cross = new boolean[n];
    for (int i = 0; i < n; i++) {
      Move m = moves.get(i);
      Integer p = byOldKey.get(m.newPk());
      pred[i] = p == null || p == i ? -1 : p;
      cross[i] = shardFor(m.delete(), shards, skTypes) != shardFor(m.insert(), shards, skTypes);
    }
    // phaseOfInsert[i] = 1 without predecessor, else the phase of the predecessor's DELETE:
    // phaseOfInsert[pred] + (cross[pred] ? 1 : 0).
    int[] phaseOfInsert = new int[n];
    byte[] state = new byte[n]; // 0 new, 1 on the current path, 2 done
    List<Integer> path = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (state[i] == 2) {
        continue;
      }
      path.clear();
      int j = i;
      while (j >= 0 && state[j] == 0) {
        state[j] = 1;
        path.add(j);
        j = pred[j];
      }
      int end = path.size();
      if (j >= 0 && state[j] == 1) {
        int start = path.indexOf(j);
        for (int k = start; k < end; k++) {
          if (cross[path.get(k)]) {
            LOG.warn("UPDATE of {} swaps keys between shards ({} rows move); their old keys"
                + " are deleted and new keys inserted in one round of requests per shard, so a"
                + " failure on one shard can leave rows under both or neither key",
                schema.getName(), n);
            List<Op> all = new ArrayList<>(u.inPlace());
            for (Move m : moves) {
              all.add(m.delete());
              all.add(m.insert());
            }
            return List.of(all);
          }
        }
        // A cycle within one shard: one atomic batch.
        for (int k = start; k < end; k++) {
          phaseOfInsert[path.get(k)] = 1;
          state[path.get(k)] = 2;
        }
        end = start;
      }
      for (int k = end - 1; k >= 0; k--) {
        int m = path.get(k);
        int p = pred[m];
        phaseOfInsert[m] = p < 0 ? 1 : phaseOfInsert[p] + (cross[p] ? 1 : 0);
        state[m] = 2;
      }
    }
    int phases = 1;
    for (int i = 0; i < n; i++) {
      phases = Math.max(phases, phaseOfInsert[i] + (cross[i] ? 1 : 0));
    }
    List<List<Op>> out = new ArrayList<>(phases);
    for (int p = 0; p < phases; p++) {
      out.add(new ArrayList<>());
    }
    out.get(0).addAll(u.inPlace());
    for (int i = 0; i < n; i++) {
      Move m = moves.get(i);
      out.get(phaseOfInsert[i] - 1).add(m.insert());
      out.get(phaseOfInsert[i] - 1 + (cross[i] ? 1 : 0)).add(m.delete());
    }
    if (phases > 1) {
      LOG.debug("UPDATE of {} moves {} rows in {} rounds", schema.getName(), n, phases);
    }
    return out;
  }

  /**
   * After a failed round: deletes again the rows inserted under the new key of each move whose
   * old key was not deleted, so those rows are back as they were (best effort, logged). Returns
   * the failure to throw.
   */
  private RuntimeException compensate(List<Move> moves, Set<Op> applied, RuntimeException failure) {
    List<Op> undo = new ArrayList<>();
    List<Move> undone = new ArrayList<>();
    for (Move m : moves) {
      if (applied.contains(m.insert()) && !applied.contains(m.delete())) {
        undo.add(delete(m.after(), false));
        undone.add(m);
      }
    }
    if (undo.isEmpty()) {
      return failure;
    }
    String context = describeMoves(undone);
    Set<Op> done = identitySet();
    try {
      send(undo, cluster.timestamps(1), done);
      rowsWritten = Math.max(0, rowsWritten - done.size());
      LOG.warn("UPDATE of {} failed ({}) after inserting the new keys of {} moved rows;"
          + " deleted them again, the rows keep their old keys: {}", schema.getName(),
          failure.getMessage(), undo.size(), context);
    } catch (RuntimeException e) {
      LOG.error("UPDATE of {} failed ({}) after inserting the new keys of {} moved rows, and"
          + " deleting them again failed too ({} of them deleted): these rows may now exist"
          + " under both their old and new keys: {}", schema.getName(), failure.getMessage(),
          undo.size(), done.size(), context, e);
      failure.addSuppressed(e);
      return failure;
    }
    if (failure instanceof TesseraException) {
      TesseraException t = (TesseraException) failure;
      return new TesseraException(t.sqlState(), t.vendorCode(), t.getMessage() + "; the "
          + undo.size() + " rows already inserted under their new key were deleted again,"
          + " they keep their old key", t);
    }
    return failure;
  }

  /** "shard s: [old key] -> shard t: [new key]" for the first few moves. */
  private String describeMoves(List<Move> moves) {
    List<ShardState> shards = cluster.shards(schema.getTableId());
    ColumnType[] skTypes = types(schema.getShardKeyList());
    StringBuilder b = new StringBuilder();
    int shown = 0;
    for (Move m : moves) {
      if (shown++ == 20) {
        b.append(", ... (").append(moves.size() - 20).append(" more)");
        break;
      }
      ShardState from = shardFor(m.delete(), shards, skTypes);
      ShardState to = shardFor(m.insert(), shards, skTypes);
      b.append(shown == 1 ? "" : ", ")
          .append("shard ").append(from == null ? "?" : from.getShardId()).append(' ')
          .append(Arrays.deepToString(project(m.before(), schema.getPrimaryKeyList())))
          .append(" -> shard ").append(to == null ? "?" : to.getShardId()).append(' ')
          .append(Arrays.deepToString(project(m.after(), schema.getPrimaryKeyList())));
    }
    return b.toString();
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

  /**
   * Sends {@code ops} (one request per shard, in parallel, retried as needed) at {@code commitTs};
   * adds the mutations of every batch a shard applied to {@code applied}, also when another
   * batch fails. Returns the rows counted.
   *
   * <p>A batch answered with a retryable error (STALE_EPOCH, NOT_PRIMARY, NOT_SERVING,
   * UNKNOWN_SHARD, SCHEMA_MISMATCH), failing with UNAVAILABLE or DEADLINE_EXCEEDED, bound for a
   * node that is not live, or waiting on a primary that the metadata no longer names (checked
   * every {@link FailoverBudget#ROUTE_POLL} while waiting; the call is then cancelled), is resent
   * on the refreshed route after a backoff, until the connection's failover budget is spent.
   * A batch resent with the very same mutations to the same shard keeps its seq, so a primary
   * (old or new) that already applied it answers from its dedup table instead of applying it
   * twice.
   */
  private long send(List<Op> ops, long commitTs, Set<Op> applied) {
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
      Map<Long, ListenableFuture<WriteResponse>> calls = new LinkedHashMap<>();
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
        WriteRequest request = WriteRequest.newBuilder()
            .setShard(ShardRef.newBuilder().setShardId(shardId).setEpoch(b.shard.getEpoch()))
            .setCommitTs(commitTs)
            .addAllMutations(mutations(b.ops))
            .setClientId(cluster.clientId())
            .setSeq(b.seq)
            .setSchemaVersion(schema.getVersion())
            .build();
        try {
          calls.put(shardId, ShardServiceGrpc.newFutureStub(cluster.channel(primary))
              .withDeadlineAfter(WRITE_DEADLINE_SECONDS, TimeUnit.SECONDS)
              .write(request));
        } catch (TesseraException e) {
          notSent.put(shardId, e.getMessage());
        }
      }
      List<Op> retry = new ArrayList<>();
      previousSeq.clear();
      boolean schemaChanged = false;
      TesseraException failure = null;
      for (Batch b : pending.values()) {
        long shardId = b.shard.getShardId();
        String where = "shard " + shardId + " of " + schema.getName() + " on node "
            + b.shard.getPrimary();
        Object outcome = notSent.containsKey(shardId) ? new Abandoned(notSent.get(shardId))
            : await(calls.get(shardId), b);
        if (outcome instanceof Abandoned) {
          // Not sent, or its outcome is unknown: resend with the same seq.
          retry.addAll(b.ops);
          previousSeq.put(shardId, b.seq);
          lastProblem = ((Abandoned) outcome).reason();
          lastCause = null;
          continue;
        }
        if (outcome instanceof StatusRuntimeException) {
          StatusRuntimeException e = (StatusRuntimeException) outcome;
          if (FailoverBudget.retryable(e.getStatus().getCode())) {
            retry.addAll(b.ops);
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
        WriteResponse response = (WriteResponse) outcome;
        Error error = response.getError();
        if (ShardErrors.isOk(error)) {
          long uncounted = b.ops.stream().filter(o -> !o.counted()).count();
          long counted = Math.max(0, response.getApplied() - uncounted);
          count += counted;
          rowsWritten += counted;
          applied.addAll(b.ops);
        } else if (FailoverBudget.retryable(error)) {
          retry.addAll(b.ops);
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
      if (retry.isEmpty()) {
        break;
      }
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

  /** A call given up on before it completed (or never made), with why. */
  private record Abandoned(String reason) {}

  /**
   * Waits for a write call: its response, the failure it ended with (a Throwable), or
   * {@link Abandoned} when, while waiting, the metadata names another primary for the shard or
   * the primary is no longer live (the call is cancelled; it may or may not have been applied).
   */
  private Object await(ListenableFuture<WriteResponse> call, Batch b) {
    long pollNanos = FailoverBudget.ROUTE_POLL.toNanos();
    while (true) {
      try {
        return call.get(pollNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        call.cancel(true);
        Thread.currentThread().interrupt();
        throw new TesseraException("57014", "Interrupted while writing to "
            + schema.getName(), e);
      } catch (ExecutionException e) {
        return e.getCause();
      } catch (TimeoutException e) {
        String moved = routeMoved(b.shard);
        if (moved != null) {
          call.cancel(true);
          return new Abandoned(moved);
        }
      }
    }
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
