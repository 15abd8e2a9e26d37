package io.tessera.sql.dml;

import io.tessera.sql.error.BatchWriteException;
import io.tessera.sql.error.SqlErrors;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.rel.core.TableModify;

/**
 * Sends the rows of a prepared {@code INSERT ... VALUES (?, ...)} executed for many parameter sets
 * ({@code PreparedStatement.executeBatch}) as ONE write per shard, instead of one per parameter
 * set.
 *
 * <p>Calcite executes the statement once per parameter set. While a collection is open on the
 * thread ({@link #begin()} ... {@link #flush()}), {@link ShardWriter} does not send the rows of an
 * INSERT whose input reads no table: it hands them here and reports them as inserted (the update
 * count of each set). {@link #flush()} then writes all of them at once (routing, one
 * {@code WriteRequest} per shard, generated keys) and, if that fails, throws a
 * {@link BatchWriteException} whose update counts say, per parameter set, whether its rows were
 * applied ({@code 1..n}) or not ({@link Statement#EXECUTE_FAILED}); the batch is one statement,
 * atomic like any other (see {@link ShardWriter}), so either all sets are applied or none.
 *
 * <p>Statements that read tables ({@code INSERT ... SELECT}), UPDATE and DELETE are executed one
 * parameter set at a time as before: a later set must see what an earlier one wrote.
 */
public final class BatchedInserts {
  private static final ThreadLocal<BatchedInserts> CURRENT = new ThreadLocal<>();

  private DataContext context;
  private WritePlan plan;
  private final List<Object[]> rows = new ArrayList<>();
  /** For each parameter set collected so far, the number of rows it inserted. */
  private final List<Integer> rowsPerSet = new ArrayList<>();

  private BatchedInserts() {}

  /** Opens a collection on this thread; close it with {@link #end()}. */
  public static BatchedInserts begin() {
    BatchedInserts b = new BatchedInserts();
    CURRENT.set(b);
    return b;
  }

  /** Closes the collection of this thread (without sending what it holds). */
  public static void end() {
    CURRENT.remove();
  }

  /**
   * Takes the input rows of one execution if a collection is open and the statement can be
   * batched; returns false (and takes nothing) otherwise.
   */
  static boolean offer(DataContext context, WritePlan plan, List<Object[]> input) {
    BatchedInserts b = CURRENT.get();
    if (b == null || plan.operation() != TableModify.Operation.INSERT || plan.readsTables()) {
      return false;
    }
    if (b.plan != null && b.plan != plan) {
      return false; // another statement (should not happen within one executeBatch)
    }
    b.context = context;
    b.plan = plan;
    b.rows.addAll(input);
    b.rowsPerSet.add(input.size());
    return true;
  }

  /** Whether rows were collected. */
  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Writes the collected rows, one request per shard; returns the number of rows inserted. */
  public long flush() {
    if (rows.isEmpty()) {
      return 0;
    }
    boolean[] applied = new boolean[rows.size()];
    List<Object[]> all = new ArrayList<>(rows);
    rows.clear();
    // The writes below must not be collected again.
    CURRENT.remove();
    try {
      return ShardWriter.insertAll(context, plan, all, applied);
    } catch (RuntimeException e) {
      long[] counts = new long[rowsPerSet.size()];
      int row = 0;
      for (int set = 0; set < counts.length; set++) {
        int n = rowsPerSet.get(set);
        boolean ok = true;
        for (int i = 0; i < n; i++) {
          ok &= applied[row + i];
        }
        row += n;
        counts[set] = ok ? n : Statement.EXECUTE_FAILED;
      }
      SqlErrors.Classified c = SqlErrors.classify(e);
      long appliedSets = Arrays.stream(counts).filter(x -> x >= 0).count();
      throw new BatchWriteException(c.sqlState(), c.vendorCode(), c.message()
          + (appliedSets == 0 ? "" : " (" + appliedSets + " of " + counts.length
          + " parameter sets were applied by the shards that succeeded;"
          + " see BatchUpdateException.getUpdateCounts())"), counts, e);
    }
  }
}
