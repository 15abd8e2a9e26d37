package io.tessera.sql.planner;

import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.util.List;
import org.apache.calcite.rel.RelHomogeneousShuttle;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Snapshot;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexSubQuery;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Moves {@code FOR SYSTEM_TIME AS OF} into the table scans it applies to, before the planner
 * runs: Calcite converts {@code FROM t FOR SYSTEM_TIME AS OF x} to a {@link Snapshot} over the
 * scan of {@code t} (with the projection its field trimming adds), which no rule could push
 * anything through. Each such scan becomes a {@link ShardTableScan} reading at {@code x}
 * ({@link ShardTableScan#asOf()}), so the query is planned exactly as without the clause
 * (filters, projections, aggregates and sorts pushed to the shards) and every shard reads the
 * snapshot of that time.
 */
public final class AsOfScans {
  private AsOfScans() {}

  /** {@code root} with every snapshot moved into its scans (the same tree when it has none). */
  public static RelNode apply(RelNode root) {
    return root.accept(new Mover());
  }

  private static final class Mover extends RelHomogeneousShuttle {
    @Override public RelNode visit(RelNode other) {
      if (other instanceof Snapshot) {
        Snapshot snapshot = (Snapshot) other;
        RelNode input = snapshot.getInput().accept(this);
        RelNode moved = into(input, snapshot.getPeriod());
        if (moved == null) {
          throw new TesseraException(SqlStates.FEATURE_NOT_SUPPORTED, "FOR SYSTEM_TIME AS OF"
              + " applies to Tessera tables, not to " + input.getRelTypeName());
        }
        return moved;
      }
      RelNode visited = super.visit(other);
      // Sub-queries (IN, EXISTS, scalar) are still expressions here: their tables too.
      return visited.accept(new RexShuttle() {
        @Override public RexNode visitSubQuery(RexSubQuery subQuery) {
          RelNode rel = subQuery.rel.accept(Mover.this);
          return rel == subQuery.rel ? subQuery : subQuery.clone(rel);
        }
      });
    }

    /** {@code rel} reading at {@code period}: a scan, or projections of one; else null. */
    private static @Nullable RelNode into(RelNode rel, RexNode period) {
      if (rel instanceof ShardTableScan && ((ShardTableScan) rel).asOf() == null) {
        return ((ShardTableScan) rel).withAsOf(period);
      }
      if (rel instanceof LogicalProject) {
        RelNode input = into(((LogicalProject) rel).getInput(), period);
        return input == null ? null : rel.copy(rel.getTraitSet(), List.of(input));
      }
      return null;
    }
  }
}
