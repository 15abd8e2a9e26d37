package io.tessera.sql.meta;

import io.tessera.protocol.time.Timestamps;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values unique across the cluster, handed out without an oracle call each: the hidden row ids of
 * tables without a primary key, and the identity ({@code start_ts}) of a transaction that starts
 * while the oracle is unreachable (docs/transactions.md, "Starting without the oracle").
 *
 * <p>An oracle timestamp {@code T} is handed to one caller only, and the values after it up to the
 * next oracle timestamp (its slot) are never anyone else's identity or row id: shard primaries may
 * commit at them, but a commit timestamp is never compared with an identity (a transaction's
 * commit is bounded by its snapshot, not by its identity). So each oracle timestamp this class
 * takes gives {@link #PER_TIMESTAMP} values, {@code T} to {@code T + STEP - 1}; it takes
 * {@link #RENEWAL_TIMESTAMPS} at a time.
 *
 * <p>Shards compare a transaction's identity with the GC safe point (a transaction older than the
 * GC window is rolled back), so {@link #renewIfStale} replaces the block in the background once it
 * is {@link #MAX_AGE_MS} old: an identity handed out during an outage is at most that much older
 * than the outage.
 *
 * <p>The block is also a range of issued timestamps that is recent ({@link #block}): a statement
 * that takes its snapshot from the shards while the oracle is away reads no lower than its start
 * (exec/ClusterReads), so the snapshot stays above the GC safe point even when the shards have
 * committed nothing for longer than the GC window, and the shards it reads may commit in the
 * whole block.
 */
public final class UniqueIds {
  private static final Logger LOG = LoggerFactory.getLogger(UniqueIds.class);
  static final long PER_TIMESTAMP = Timestamps.ORACLE_STEP;
  /** Oracle timestamps per renewal: 65,536 ids, for 4 steps of the oracle's clock. */
  static final int RENEWAL_TIMESTAMPS = 4;
  static final long MAX_AGE_MS = 2_000;

  private final IntFunction<TimestampRange> oracle;
  private final LongSupplier clockMs;
  private final AtomicBoolean renewing = new AtomicBoolean();
  /** The current block, [start, end) with [next, end) unused, and when it was taken; guarded by this. */
  private long start;
  private long next;
  private long end;
  private long takenAtMs;

  /** A block of ids, which is also a range of issued timestamps: [start, end). */
  public record Block(long start, long end) {}

  /** {@code oracle.apply(n)}: n fresh oracle timestamps in one call (may wait for the oracle). */
  public UniqueIds(IntFunction<TimestampRange> oracle, LongSupplier clockMs) {
    this.oracle = oracle;
    this.clockMs = clockMs;
  }

  /** The current block, or null before the first one. */
  public synchronized @Nullable Block block() {
    return end == 0 ? null : new Block(start, end);
  }

  /** One unique value. */
  public long next() {
    return take(1)[0];
  }

  /**
   * {@code n} unique values: from the current block, and from new blocks (one oracle call for all
   * of them) when it holds too few.
   *
   * @throws io.tessera.sql.error.TesseraException 08006 when new blocks are needed and the oracle
   *     does not answer
   */
  public long[] take(int n) {
    long[] out = new long[n];
    int filled;
    synchronized (this) {
      filled = drain(out, 0);
    }
    if (filled == n) {
      return out;
    }
    TimestampRange fresh = fetch((int) ((n - filled + PER_TIMESTAMP - 1) / PER_TIMESTAMP));
    long now = clockMs.getAsLong();
    synchronized (this) {
      install(fresh, now); // a block left over by a concurrent caller is dropped
      drain(out, filled);
    }
    return out;
  }

  private TimestampRange fetch(int count) {
    TimestampRange r = oracle.apply(count);
    if (r.step() != Timestamps.ORACLE_STEP) {
      // a block would reach into the next oracle timestamps
      throw new IllegalStateException("the oracle hands out timestamps " + r.step()
          + " apart, not " + Timestamps.ORACLE_STEP + ": a coordinator of another version?");
    }
    return r;
  }

  private int drain(long[] out, int from) {
    int i = from;
    while (i < out.length && next < end) {
      out[i++] = next++;
    }
    return i;
  }

  /** The oracle timestamps of {@code fresh} and their slots: consecutive, so one block. */
  private void install(TimestampRange fresh, long nowMs) {
    start = fresh.first();
    next = fresh.first();
    end = fresh.first() + fresh.count() * PER_TIMESTAMP;
    takenAtMs = nowMs;
  }

  /**
   * Takes a new block when the current one is older than {@link #MAX_AGE_MS} or nearly used up;
   * keeps the old one when the oracle does not answer. One renewal at a time; run it off the
   * statement path (it may wait for the oracle).
   */
  public void renewIfStale() {
    synchronized (this) {
      boolean stale = clockMs.getAsLong() - takenAtMs >= MAX_AGE_MS || end - next < PER_TIMESTAMP;
      if (!stale || !renewing.compareAndSet(false, true)) {
        return;
      }
    }
    try {
      TimestampRange fresh = fetch(RENEWAL_TIMESTAMPS);
      long now = clockMs.getAsLong();
      synchronized (this) {
        install(fresh, now);
      }
    } catch (RuntimeException e) {
      LOG.debug("Unique ids not renewed (the oracle did not answer), {} left in the block: {}",
          remaining(), e.toString());
    } finally {
      renewing.set(false);
    }
  }

  synchronized long remaining() {
    return end - next;
  }
}
