package io.tessera.sql.dml;

import io.tessera.sql.schema.ShardedTable;
import java.util.List;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * INSERT, UPDATE or DELETE of a {@link ShardedTable}, as {@link ShardedTable#toModificationRel}
 * creates it (logical, {@link Convention#NONE}). {@link EnumerableShardTableModifyRule} turns it
 * into {@link EnumerableShardTableModify}, which writes through the shard nodes.
 *
 * <p>Input rows: INSERT, the table's (visible) columns; DELETE, the old row; UPDATE, the old row
 * followed by the new values of {@link #getUpdateColumnList()}.
 */
public final class ShardTableModify extends TableModify {
  public ShardTableModify(RelOptCluster cluster, RelTraitSet traitSet, RelOptTable table,
      Prepare.CatalogReader catalogReader, RelNode input, Operation operation,
      @Nullable List<String> updateColumnList, @Nullable List<RexNode> sourceExpressionList,
      boolean flattened) {
    super(cluster, traitSet, table, catalogReader, input, operation, updateColumnList,
        sourceExpressionList, flattened);
  }

  /** Called by {@link ShardedTable#toModificationRel}. */
  public static TableModify create(ShardedTable table, RelOptCluster cluster, RelOptTable relTable,
      Prepare.CatalogReader catalogReader, RelNode child, TableModify.Operation op,
      List<String> updateColumnList, List<RexNode> sourceExpressionList, boolean flattened) {
    if (op == Operation.MERGE) {
      throw new UnsupportedOperationException("MERGE is not supported on " + table.name());
    }
    RelNode input = op == Operation.INSERT ? CheckedCasts.apply(child) : child;
    return new ShardTableModify(cluster, cluster.traitSetOf(Convention.NONE), relTable,
        catalogReader, input, op, updateColumnList, sourceExpressionList, flattened);
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new ShardTableModify(getCluster(), traitSet, getTable(), getCatalogReader(),
        sole(inputs), getOperation(), getUpdateColumnList(), getSourceExpressionList(),
        isFlattened());
  }

  @Override public void register(RelOptPlanner planner) {
    planner.addRule(EnumerableShardTableModifyRule.INSTANCE);
  }
}
