package io.tessera.sql.exec;

import java.time.Duration;

/**
 * Tunables of shard scans, read from system properties:
 * {@code tessera.scan.timeoutMs} (deadline of one shard scan, default 600000),
 * {@code tessera.scan.prefetchBatches} (batches buffered per shard, default 2),
 * {@code tessera.scan.retries} (re-routes after a stale route or failover, default 5).
 */
public record ScanOptions(Duration timeout, int prefetchBatches, int retries) {
  public static ScanOptions fromSystemProperties() {
    return new ScanOptions(
        Duration.ofMillis(Long.getLong("tessera.scan.timeoutMs", 600_000L)),
        Math.max(1, Integer.getInteger("tessera.scan.prefetchBatches", 2)),
        Math.max(0, Integer.getInteger("tessera.scan.retries", 5)));
  }
}
