package io.tessera.sql.planner;

import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A filter evaluated on the shard nodes, directly over a {@link ShardTableScan}. Its condition
 * is the whole pushed predicate; the scan below may already be narrowed by the same predicate
 * (shards, key range), and the node re-checks every row against it.
 */
public final class ShardFilter extends Filter implements ShardRel {
  public ShardFilter(RelOptCluster cluster, RelTraitSet traitSet, RelNode input,
      RexNode condition) {
    super(cluster, ShardRel.unsorted(traitSet), input, condition);
    assert getConvention() == CONVENTION;
  }

  @Override public Filter copy(RelTraitSet traitSet, RelNode input, RexNode condition) {
    return new ShardFilter(getCluster(), traitSet, input, condition);
  }

  @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
      RelMetadataQuery mq) {
    RelOptCost cost = super.computeSelfCost(planner, mq);
    return cost == null ? null : cost.multiplyBy(0.1);
  }

  @Override public void implement(Implementor implementor) {
    implementor.visitChild(getInput());
    implementor.filter = condition;
  }
}
