package io.tessera.sql.exec;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.util.concurrent.UncheckedExecutionException;
import io.tessera.sql.schema.TesseraSchema;
import java.util.concurrent.ExecutionException;
import org.apache.calcite.DataContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The read timestamp of each statement execution: the first scan (or write) of an execution asks
 * the timestamp oracle once, and every other scan of the same execution — identified by its
 * {@link DataContext} — reuses it, so a statement reads one consistent snapshot of all shards.
 *
 * <p>A connection in an explicit transaction pins its snapshot with {@link #pin}; its statements
 * then read at that timestamp instead.
 */
public final class StatementTimestamps {
  /** Keys are compared by identity and held weakly: entries vanish with their statement. */
  private static final Cache<Object, Long> BY_EXECUTION =
      CacheBuilder.newBuilder().weakKeys().build();
  private static final Cache<Object, Long> PINNED =
      CacheBuilder.newBuilder().weakKeys().build();

  private StatementTimestamps() {}

  /** The timestamp the execution owning {@code context} reads at. */
  public static long readTimestamp(DataContext context) {
    Object connection = context.getQueryProvider();
    if (connection != null) {
      Long pinned = PINNED.getIfPresent(connection);
      if (pinned != null) {
        return pinned;
      }
    }
    try {
      return BY_EXECUTION.get(context, () -> TesseraSchema.from(context).reads().nextTimestamp());
    } catch (ExecutionException | UncheckedExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new IllegalStateException(cause);
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
