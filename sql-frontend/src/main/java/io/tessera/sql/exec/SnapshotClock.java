package io.tessera.sql.exec;

import io.tessera.sql.error.TesseraException;
import io.tessera.sql.meta.UniqueIds;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the snapshot of a statement that reads several shards, or of a transaction, comes from: the
 * timestamp oracle, or, while it does not answer, the shard primaries (docs/transactions.md,
 * "Reads while the oracle is unreachable", "Starting without the oracle").
 *
 * <p>While the oracle answers within {@value #ORACLE_BUDGET_PROPERTY} (default
 * {@value #ORACLE_BUDGET_DEFAULT} ms) nothing else happens. When it does not (its lease ran out
 * in a ZooKeeper outage, the leader died and no standby has taken over yet), the statement reads
 * at the largest newest-committed timestamp of every shard primary ({@link ShardClockProbe}), and
 * so do the following statements, without waiting for the oracle, until a background check (every
 * {@link #RECHECK}) gets a timestamp from it again. That value lies in a slot of an oracle
 * timestamp already handed out, so it is below every oracle timestamp handed out later; it is at
 * least every commit acknowledged before the probe; and reading at it raises each read shard's
 * {@code max_read_ts}, so later one-phase writes there commit above it. It is raised to the start
 * of the frontend's recent block of {@link UniqueIds} when that is higher: the block is a range of
 * issued timestamps at most seconds old, so the snapshot stays above the GC safe point after the
 * shards were idle for longer than the GC window, and the shards read at it may fill the whole
 * block with one-phase commits (its end is passed on, {@link IssuedRanges}). It is not unique, so
 * never a transaction's identity ({@link SnapshotTimestamp#fromShards()}).
 *
 * <p>Logs once at INFO when an outage begins and ends, at DEBUG per statement.
 */
public final class SnapshotClock implements AutoCloseable {
  /** System property: how long a multi-shard read waits for the oracle before it asks the shards. */
  public static final String ORACLE_BUDGET_PROPERTY = "tessera.read.oracleBudgetMs";
  static final String ORACLE_BUDGET_DEFAULT = "1000";
  /** System property: how long the shard probe waits for a primary that does not answer. */
  public static final String SHARD_BUDGET_PROPERTY = "tessera.read.shardProbeBudgetMs";
  static final String SHARD_BUDGET_DEFAULT = "5000";
  /** How often the oracle is asked again during an outage. */
  static final Duration RECHECK = Duration.ofMillis(500);

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotClock.class);

  /** The timestamp oracle, asked with a budget. */
  public interface Oracle {
    /** A fresh oracle timestamp; throws {@link TesseraException} when none arrives in time. */
    long next(Duration budget);
  }

  private final Oracle oracle;
  private final ShardClockProbe shards;
  private final UniqueIds ids;
  private final IssuedRanges ranges;
  private final Duration oracleBudget;
  private final AtomicBoolean outage = new AtomicBoolean();
  private final AtomicLong shardSnapshots = new AtomicLong();
  private volatile long outageSinceNanos;
  private volatile boolean closed;

  SnapshotClock(Oracle oracle, ShardClockProbe shards, UniqueIds ids, IssuedRanges ranges,
      Duration oracleBudget) {
    this.oracle = oracle;
    this.shards = shards;
    this.ids = ids;
    this.ranges = ranges;
    this.oracleBudget = oracleBudget;
  }

  static Duration oracleBudget() {
    return Duration.ofMillis(Long.getLong(ORACLE_BUDGET_PROPERTY,
        Long.parseLong(ORACLE_BUDGET_DEFAULT)));
  }

  static Duration shardProbeBudget() {
    return Duration.ofMillis(Long.getLong(SHARD_BUDGET_PROPERTY,
        Long.parseLong(SHARD_BUDGET_DEFAULT)));
  }

  /** Whether statements take shard timestamps now (the oracle did not answer the last time). */
  public boolean inOutage() {
    return outage.get();
  }

  /**
   * A snapshot for one statement: the oracle's, or the shards' while the oracle is unreachable.
   *
   * @throws TesseraException 08006 when neither the oracle nor every shard primary answers
   */
  public SnapshotTimestamp next() {
    if (!outage.get()) {
      try {
        return SnapshotTimestamp.fromOracle(oracle.next(oracleBudget));
      } catch (TesseraException e) {
        beginOutage(e);
      }
    }
    long ts = shards.latest();
    if (ts == 0) {
      // No shard has committed anything: no snapshot value is known to lie in a handed-out slot.
      throw TesseraException.unavailable("The timestamp oracle is unreachable and no shard has"
          + " committed anything yet, so there is no snapshot to read at; retry later", null);
    }
    UniqueIds.Block block = ids.block();
    if (block != null && block.start() > ts) {
      ranges.learn(block.start(), block.end());
      ts = block.start();
    }
    shardSnapshots.incrementAndGet();
    LOG.debug("Statement reads at shard timestamp {} (the timestamp oracle is unreachable)", ts);
    return SnapshotTimestamp.fromShards(ts);
  }

  private void beginOutage(TesseraException cause) {
    if (closed || !outage.compareAndSet(false, true)) {
      return;
    }
    outageSinceNanos = System.nanoTime();
    shardSnapshots.set(0);
    LOG.info("The timestamp oracle did not answer within {} ms ({}); reads of several shards take"
        + " their snapshot from the shard primaries until it answers again",
        oracleBudget.toMillis(), cause.getMessage());
    Thread watch = new Thread(this::awaitOracle, "tessera-oracle-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /** During an outage: asks the oracle every {@link #RECHECK} until it answers. */
  private void awaitOracle() {
    String lastProblem = "";
    while (!closed) {
      try {
        Thread.sleep(RECHECK.toMillis());
        oracle.next(oracleBudget);
        LOG.info("The timestamp oracle answers again after {} ms; reads of several shards take"
            + " oracle timestamps again ({} statements read at shard timestamps meanwhile)",
            (System.nanoTime() - outageSinceNanos) / 1_000_000, shardSnapshots.get());
        outage.set(false);
        return;
      } catch (TesseraException e) {
        if (!Objects.equals(e.getMessage(), lastProblem)) {
          LOG.debug("The timestamp oracle is still unreachable: {}", e.getMessage());
          lastProblem = e.getMessage();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    outage.set(false); // closed: nothing reads any more
  }

  @Override public void close() {
    closed = true;
  }
}
