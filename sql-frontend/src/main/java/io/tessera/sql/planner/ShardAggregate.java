package io.tessera.sql.planner;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.AbstractRelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The partial step of a GROUP BY, computed on each shard over its filtered and projected rows:
 * one row per group of that shard (exactly one row without GROUP BY) with COUNT, SUM, MIN and MAX
 * of the shard's rows. The frontend's final aggregate above the converter combines the shards'
 * rows of each group ({@link ShardRules#AGGREGATE}); nothing else can go on top of it on the
 * shards ({@link ShardRel#AGGREGATED}).
 *
 * <p>Deliberately neither an {@link Aggregate} nor a {@code SingleRel}: the shards' rows are not
 * unique on the group keys (several shards have the same group), and Calcite's metadata would
 * say they are for an {@code Aggregate}, so that it would remove the final aggregate as
 * redundant (Calcite's rules on aggregates must not rewrite it either); and for a
 * {@code SingleRel} Calcite's metadata takes the row count of the input, not
 * {@link #estimateRowCount}.
 */
public final class ShardAggregate extends AbstractRelNode implements ShardRel {
  private RelNode input;
  private final ImmutableBitSet groupSet;
  private final List<AggregateCall> aggCalls;

  public ShardAggregate(RelOptCluster cluster, RelTraitSet traitSet, RelNode input,
      ImmutableBitSet groupSet, List<AggregateCall> aggCalls) {
    super(cluster, ShardRel.unsorted(traitSet));
    this.input = input;
    this.groupSet = groupSet;
    this.aggCalls = ImmutableList.copyOf(aggCalls);
    assert getConvention() == AGGREGATED;
  }

  public RelNode getInput() {
    return input;
  }

  @Override public List<RelNode> getInputs() {
    return List.of(input);
  }

  @Override public void replaceInput(int ordinalInParent, RelNode p) {
    assert ordinalInParent == 0;
    this.input = p;
    recomputeDigest();
  }

  public ImmutableBitSet groupSet() {
    return groupSet;
  }

  public List<AggregateCall> aggCalls() {
    return aggCalls;
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new ShardAggregate(getCluster(), traitSet, sole(inputs), groupSet, aggCalls);
  }

  @Override protected RelDataType deriveRowType() {
    return Aggregate.deriveRowType(getCluster().getTypeFactory(), getInput().getRowType(), false,
        groupSet, null, aggCalls);
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    super.explainTerms(pw).input("input", input).item("group", groupSet);
    List<String> names = getRowType().getFieldNames();
    for (int i = 0; i < aggCalls.size(); i++) {
      pw.item(names.get(groupSet.cardinality() + i), aggCalls.get(i));
    }
    return pw;
  }

  /**
   * One row per shard without GROUP BY. With GROUP BY, as many rows as the input when the group
   * keys are unique (nothing to gain, and the shard would hold them all), otherwise at most a
   * tenth of them (Calcite's distinct-value estimates of columns and expressions are rough, and
   * grouping pays off as soon as groups have a few rows).
   */
  @Override public double estimateRowCount(RelMetadataQuery mq) {
    if (groupSet.isEmpty()) {
      return 1;
    }
    double input = mq.getRowCount(getInput());
    if (Boolean.TRUE.equals(mq.areColumnsUnique(getInput(), groupSet))) {
      return input;
    }
    Double distinct = mq.getDistinctRowCount(getInput(), groupSet, null);
    double groups = input * 0.1;
    if (distinct != null) {
      groups = Math.min(groups, distinct);
    }
    return Math.max(1, groups);
  }

  /**
   * Nearly free, like a pushed projection: the shards aggregate in parallel while they scan, and
   * what it saves, the transfer of every row, is what the converter's cost counts.
   */
  @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
      RelMetadataQuery mq) {
    return planner.getCostFactory().makeTinyCost();
  }

  @Override public void implement(Implementor implementor) {
    implementor.visitChild(getInput());
    implementor.groupSet = groupSet;
    implementor.aggCalls = aggCalls;
  }
}
