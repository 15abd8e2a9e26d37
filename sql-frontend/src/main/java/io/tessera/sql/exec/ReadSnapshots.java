package io.tessera.sql.exec;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.apache.calcite.DataContext;

/**
 * The snapshot each statement execution actually read at, so that its write can say so
 * ({@code WriteRequest.read_ts}: a version of a written key committed above it fails the write
 * with 40001, and {@code UPDATE t SET x = x + 1} cannot lose a concurrent update).
 *
 * <p>A scan at an oracle timestamp read at that timestamp; a scan of the latest state
 * ({@code read_ts = 0}, {@link StatementTimestamps}) read at whatever the shard resolved it to,
 * which the shard reports on its first batch ({@code RowBatch.read_ts}). {@link ShardStream}
 * records either here, per execution (its {@link DataContext}); when an execution's reads used
 * several snapshots, the oldest one counts: rows read at any of them were current at it or later,
 * so a check against the oldest misses no change (it may report a change the newer read saw,
 * which costs a retry, not an anomaly).
 */
public final class ReadSnapshots {
  /** What {@link #oldest} answers when the execution read nothing at a known snapshot. */
  public static final long NONE = 0;

  /** Keys are compared by identity and held weakly: entries vanish with their execution. */
  private static final Cache<Object, AtomicLong> OLDEST =
      CacheBuilder.newBuilder().weakKeys().build();

  private ReadSnapshots() {}

  /** Records that a read of the execution owning {@code context} used snapshot {@code readTs}. */
  public static void record(DataContext context, long readTs) {
    if (readTs <= 0) {
      return;
    }
    AtomicLong oldest;
    try {
      oldest = OLDEST.get(context, () -> new AtomicLong(Long.MAX_VALUE));
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
    oldest.accumulateAndGet(readTs, Math::min);
  }

  /** Records into the execution owning {@code context} (for a scan started on its behalf). */
  public static LongConsumer recorder(DataContext context) {
    return readTs -> record(context, readTs);
  }

  /** The oldest snapshot the execution owning {@code context} read at, or {@link #NONE}. */
  public static long oldest(DataContext context) {
    AtomicLong oldest = OLDEST.getIfPresent(context);
    return oldest == null ? NONE : oldest.get();
  }
}
