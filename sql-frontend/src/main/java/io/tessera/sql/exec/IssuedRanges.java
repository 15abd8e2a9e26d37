package io.tessera.sql.exec;

import java.util.Map;
import java.util.TreeMap;

/**
 * Ranges of oracle-issued timestamps that shard primaries reported (docs/transactions.md, "Ranges
 * travel with timestamps"). A primary answers a timestamp it resolved or chose with the end of the
 * issued range it lies in ({@code GetResponse.read_ts_range_end},
 * {@code TxnResponse.min_commit_ts_range_end}); when the frontend then makes other primaries read
 * or commit at that timestamp, it passes the end on, so that they may fill the rest of the range
 * with one-phase commits instead of the timestamp's slot only. That is what keeps one-phase writes
 * going through a long oracle outage, when multi-shard reads and transactions move shards to
 * timestamps of other primaries' ranges.
 *
 * <p>Kept as points: {@code (ts, end)} says that {@code [ts, end)} was issued. Issued ranges are
 * disjoint and every end reported for one is its true end, so the closest point at or below a
 * timestamp tells whether the timestamp lies in a known range.
 */
public final class IssuedRanges {
  private static final int MAX_POINTS = 256;

  private final TreeMap<Long, Long> points = new TreeMap<>(); // guarded by this

  /** A primary reported that {@code ts} lies in an issued range ending at {@code end} (0 = unknown). */
  public synchronized void learn(long ts, long end) {
    if (ts <= 0 || end <= ts) {
      return;
    }
    points.merge(ts, end, Math::max);
    if (points.size() > MAX_POINTS) {
      points.pollFirstEntry(); // the oldest: reads and commits move on to newer timestamps
    }
  }

  /** The end of a known issued range holding {@code ts}, else 0. */
  public synchronized long endOf(long ts) {
    Map.Entry<Long, Long> e = points.floorEntry(ts);
    return e != null && ts < e.getValue() ? e.getValue() : 0;
  }
}
