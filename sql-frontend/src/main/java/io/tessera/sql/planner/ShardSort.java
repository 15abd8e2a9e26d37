package io.tessera.sql.planner;

import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ORDER BY and/or OFFSET/FETCH pushed to the shards. Each shard sorts its rows and returns at most
 * {@code offset + fetch} of them; the frontend merges the sorted streams (or concatenates them
 * when there is no ORDER BY), then skips {@code offset} rows and stops after {@code fetch}.
 */
public final class ShardSort extends Sort implements ShardRel {
  public ShardSort(RelOptCluster cluster, RelTraitSet traitSet, RelNode input,
      RelCollation collation, @Nullable RexNode offset, @Nullable RexNode fetch) {
    super(cluster, traitSet, input, collation, offset, fetch);
    assert getConvention() == SORTED;
  }

  @Override public Sort copy(RelTraitSet traitSet, RelNode newInput, RelCollation newCollation,
      @Nullable RexNode offset, @Nullable RexNode fetch) {
    return new ShardSort(getCluster(), traitSet, newInput, newCollation, offset, fetch);
  }

  @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
      RelMetadataQuery mq) {
    RelOptCost cost = super.computeSelfCost(planner, mq);
    return cost == null ? null : cost.multiplyBy(0.05);
  }

  @Override public void implement(Implementor implementor) {
    implementor.visitChild(getInput());
    implementor.collation = collation;
    implementor.offset = offset;
    implementor.fetch = fetch;
  }
}
