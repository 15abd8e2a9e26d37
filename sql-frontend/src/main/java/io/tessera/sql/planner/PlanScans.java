package io.tessera.sql.planner;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.util.concurrent.ExecutionException;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What one compiled plan does with the shards, counted while Calcite implements it: how many
 * shard scans it has. Every {@link ShardQuery} of the plan holds the same instance; once the plan
 * is compiled it no longer changes, so at execution a scan knows whether it is the plan's only
 * one ({@link #soleScan()}), which lets a single-shard read skip the timestamp oracle
 * ({@link io.tessera.sql.exec.StatementTimestamps}). That holds for a plan that writes too: its
 * write names the snapshot the shard resolved ({@link io.tessera.sql.exec.ReadSnapshots}).
 */
public final class PlanScans {
  /** Keyed by the implementor of one plan (by identity, weakly held). */
  private static final Cache<EnumerableRelImplementor, PlanScans> BY_IMPLEMENTOR =
      CacheBuilder.newBuilder().weakKeys().build();

  private volatile int scans;
  /** Scans reading {@code FOR SYSTEM_TIME AS OF} {@link #asOf}. */
  private volatile int asOfScans;
  private @Nullable RexNode asOf;

  private PlanScans() {}

  /** The counts of the plan {@code implementor} is implementing. */
  public static PlanScans of(EnumerableRelImplementor implementor) {
    try {
      return BY_IMPLEMENTOR.get(implementor, PlanScans::new);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Counts a scan reading at the time {@code asOf} ({@code FOR SYSTEM_TIME AS OF}; null for the
   * statement's snapshot).
   *
   * @throws TesseraException 0A000 when another scan of the plan reads at a different time: a
   *     statement reads one snapshot
   */
  synchronized void addScan(@Nullable RexNode asOf) {
    scans++;
    if (asOf == null) {
      return;
    }
    if (this.asOf != null && !this.asOf.equals(asOf)) {
      throw new TesseraException(SqlStates.FEATURE_NOT_SUPPORTED, "A statement reads one"
          + " snapshot: every FOR SYSTEM_TIME AS OF in it must name the same time (" + this.asOf
          + " and " + asOf + " differ)");
    }
    this.asOf = asOf;
    asOfScans++;
  }

  /**
   * At execution: fails with 0A000 when some tables of the plan are read {@code FOR SYSTEM_TIME
   * AS OF} and others are not (a view, or a table without the clause), which would read two
   * snapshots in one statement.
   */
  void checkOneSnapshot() {
    if (asOfScans != 0 && asOfScans != scans) {
      throw new TesseraException(SqlStates.FEATURE_NOT_SUPPORTED, "A statement reads one"
          + " snapshot: when one table is read FOR SYSTEM_TIME AS OF, every table (not views)"
          + " must be, at the same time (" + (scans - asOfScans) + " of " + scans
          + " table reads are not); SET SNAPSHOT_TIMESTAMP reads everything in the past");
    }
  }

  /** Whether the plan reads through exactly one shard scan. */
  public boolean soleScan() {
    return scans == 1;
  }

  @Override public String toString() {
    return "PlanScans(scans=" + scans + ")";
  }
}
