package io.tessera.sql.planner;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.util.concurrent.ExecutionException;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;

/**
 * What one compiled plan does with the shards, counted while Calcite implements it: how many
 * shard scans it has and whether it writes. Every {@link ShardQuery} of the plan holds the same
 * instance; once the plan is compiled it no longer changes, so at execution a scan knows whether
 * it is the plan's only one ({@link #soleScan()}), which lets a single-shard read skip the
 * timestamp oracle ({@link io.tessera.sql.exec.StatementTimestamps}).
 */
public final class PlanScans {
  /** Keyed by the implementor of one plan (by identity, weakly held). */
  private static final Cache<EnumerableRelImplementor, PlanScans> BY_IMPLEMENTOR =
      CacheBuilder.newBuilder().weakKeys().build();

  private volatile int scans;
  private volatile boolean writes;

  private PlanScans() {}

  /** The counts of the plan {@code implementor} is implementing. */
  public static PlanScans of(EnumerableRelImplementor implementor) {
    try {
      return BY_IMPLEMENTOR.get(implementor, PlanScans::new);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  synchronized void addScan() {
    scans++;
  }

  /** The plan writes to a table (its reads then keep one snapshot from the oracle). */
  public void markWrite() {
    writes = true;
  }

  /** Whether the plan reads through exactly one shard scan and writes nothing. */
  public boolean soleScan() {
    return scans == 1 && !writes;
  }

  @Override public String toString() {
    return "PlanScans(scans=" + scans + ", writes=" + writes + ")";
  }
}
