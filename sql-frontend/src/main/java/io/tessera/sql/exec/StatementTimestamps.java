package io.tessera.sql.exec;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.util.concurrent.UncheckedExecutionException;
import io.tessera.sql.schema.TesseraSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutionException;
import org.apache.calcite.DataContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The read timestamp of each statement execution: the first scan (or write) of an execution asks
 * the timestamp oracle once, and every other scan of the same execution — identified by its
 * {@link DataContext} — reuses it, so a statement reads one consistent snapshot of all shards.
 *
 * <p>A statement whose plan has a single shard scan, which reaches a single shard, needs no
 * snapshot across shards: in autocommit mode it reads at {@code read_ts = 0}, the shard's latest
 * committed state, and skips the timestamp oracle (one RPC in series less per point select;
 * {@link #readTimestamp(DataContext, boolean)}). Enabled by the system property
 * {@value #LATEST_PROPERTY} (default {@value #LATEST_DEFAULT}; shard nodes resolve
 * {@code read_ts = 0} to their newest committed timestamp).
 *
 * <p>Any other statement takes its snapshot from {@link ReadCluster#snapshotTimestamp()}: the
 * oracle's, or while the oracle does not answer, the shard primaries' ({@link SnapshotClock}).
 *
 * <p>A connection in an explicit transaction pins its snapshot with {@link #pin}; its statements
 * then read at that timestamp instead. A past snapshot ({@link AsOfSnapshots}: the statement's
 * {@code FOR SYSTEM_TIME AS OF}, or the session's {@code SNAPSHOT_TIMESTAMP}) comes before both.
 */
public final class StatementTimestamps {
  /** System property: whether single-shard statements read the latest state (read_ts 0). */
  public static final String LATEST_PROPERTY = "tessera.read.singleShardLatest";
  static final String LATEST_DEFAULT = "true";
  /** {@code read_ts} of a read of the latest committed state. */
  public static final long LATEST = 0;

  /** Keys are compared by identity and held weakly: entries vanish with their statement. */
  private static final Cache<Object, SnapshotTimestamp> BY_EXECUTION =
      CacheBuilder.newBuilder().weakKeys().build();
  private static final Cache<Object, Long> PINNED =
      CacheBuilder.newBuilder().weakKeys().build();

  private StatementTimestamps() {}

  /**
   * The timestamp the execution owning {@code context} reads at: the statement's or session's
   * past, else the transaction's pinned snapshot, else the execution's {@link #snapshot}.
   */
  public static long readTimestamp(DataContext context) {
    Long fixed = pastOrPinned(context);
    return fixed != null ? fixed : snapshot(context).ts();
  }

  /**
   * The timestamp of a statement's scan: {@link #LATEST} when {@code soleShardRead} (the plan's
   * only shard scan, reaching one shard), the connection is in autocommit mode and has no pinned
   * snapshot, and no other read of this execution has taken a timestamp; otherwise the
   * execution's snapshot.
   */
  public static long readTimestamp(DataContext context, boolean soleShardRead) {
    Long fixed = pastOrPinned(context);
    if (fixed != null) {
      return fixed;
    }
    Object connection = context.getQueryProvider();
    if (!autoCommit(connection)) {
      return readTimestamp(context);
    }
    if (soleShardRead && latestEnabled() && BY_EXECUTION.getIfPresent(context) == null) {
      return LATEST;
    }
    return snapshot(context).ts();
  }

  /** The statement's or session's AS OF timestamp, else the connection's pinned one, else null. */
  private static @Nullable Long pastOrPinned(DataContext context) {
    Long past = AsOfSnapshots.of(context); // AS OF, of the statement or the session
    if (past != null) {
      return past;
    }
    Object connection = context.getQueryProvider();
    return connection == null ? null : PINNED.getIfPresent(connection);
  }

  /**
   * The execution's snapshot, taken by its first caller from {@link ReadCluster#snapshotTimestamp()}:
   * the oracle's, or the shards' while the oracle does not answer (then not unique: a write's
   * implicit transaction takes another identity, {@link io.tessera.sql.txn.TxnSession}).
   */
  public static SnapshotTimestamp snapshot(DataContext context) {
    try {
      return BY_EXECUTION.get(context, () -> TesseraSchema.from(context).reads().snapshotTimestamp());
    } catch (ExecutionException | UncheckedExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new IllegalStateException(cause);
    }
  }

  static boolean latestEnabled() {
    return Boolean.parseBoolean(System.getProperty(LATEST_PROPERTY, LATEST_DEFAULT));
  }

  private static boolean autoCommit(@Nullable Object connection) {
    if (!(connection instanceof Connection)) {
      return connection == null;
    }
    try {
      return ((Connection) connection).getAutoCommit();
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Makes every statement of {@code connection} (the {@code DataContext.getQueryProvider()} of
   * its executions, i.e. the Calcite connection) read at {@code timestamp}, or stops doing so
   * when it is null.
   */
  public static void pin(Object connection, @Nullable Long timestamp) {
    if (timestamp == null) {
      PINNED.invalidate(connection);
    } else {
      PINNED.put(connection, timestamp);
    }
  }
}
