package io.tessera.sql.exec;

import io.tessera.sql.route.FailoverBudget;
import java.time.Duration;

/**
 * Tunables of shard scans: {@code timeout} (deadline of one shard scan; system property
 * {@code tessera.scan.timeoutMs}, default 600000), {@code prefetchBatches} (batches buffered per
 * shard; {@code tessera.scan.prefetchBatches}, default 2), {@code failover} (how long a shard
 * scan follows its route through a failover; the connection's {@link FailoverBudget}) and
 * {@code locks} (the connection's transaction: what scans send and how they resolve locks).
 */
public record ScanOptions(Duration timeout, int prefetchBatches, FailoverBudget failover,
    ReadLocks locks) {
  public ScanOptions(Duration timeout, int prefetchBatches, FailoverBudget failover) {
    this(timeout, prefetchBatches, failover, ReadLocks.NONE);
  }

  /** These options with the locks of a connection. */
  public ScanOptions withLocks(ReadLocks locks) {
    return new ScanOptions(timeout, prefetchBatches, failover, locks);
  }

  public static ScanOptions fromSystemProperties() {
    return fromSystemProperties(FailoverBudget.DEFAULT);
  }

  public static ScanOptions fromSystemProperties(FailoverBudget failover) {
    return new ScanOptions(
        Duration.ofMillis(Long.getLong("tessera.scan.timeoutMs", 600_000L)),
        Math.max(1, Integer.getInteger("tessera.scan.prefetchBatches", 2)),
        failover);
  }
}
