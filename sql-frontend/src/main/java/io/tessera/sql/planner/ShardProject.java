package io.tessera.sql.planner;

import java.util.List;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A projection computed on the shard nodes, over a {@link ShardFilter}, a
 * {@link ShardTableScan} or another {@code ShardProject} (whose expressions it then inlines):
 * only the projected values travel back.
 */
public final class ShardProject extends Project implements ShardRel {
  public ShardProject(RelOptCluster cluster, RelTraitSet traitSet, RelNode input,
      List<? extends RexNode> projects, RelDataType rowType) {
    super(cluster, ShardRel.unsorted(traitSet), List.of(), input, projects, rowType,
        java.util.Set.of());
    assert getConvention() == CONVENTION;
  }

  @Override public Project copy(RelTraitSet traitSet, RelNode input, List<RexNode> projects,
      RelDataType rowType) {
    return new ShardProject(getCluster(), traitSet, input, projects, rowType);
  }

  /**
   * Nearly free: the shard evaluates it while scanning, and it shrinks what the converter has to
   * transfer (which is what the converter's cost counts).
   */
  @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
      RelMetadataQuery mq) {
    return planner.getCostFactory().makeTinyCost();
  }

  @Override public void implement(Implementor implementor) {
    implementor.visitChild(getInput());
    List<RexNode> below = implementor.projects;
    if (below == null) {
      implementor.projects = getProjects();
      return;
    }
    // A projection of a projection: inline the lower expressions (all deterministic).
    RexShuttle inline = new RexShuttle() {
      @Override public RexNode visitInputRef(RexInputRef ref) {
        return below.get(ref.getIndex());
      }
    };
    implementor.projects = inline.apply(getProjects());
  }
}
