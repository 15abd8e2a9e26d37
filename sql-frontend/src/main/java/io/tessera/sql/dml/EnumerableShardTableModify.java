package io.tessera.sql.dml;

import io.tessera.sql.schema.ShardedTable;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.plan.volcano.RelSubset;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelVisitor;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

import static java.util.Objects.requireNonNull;

/**
 * The physical INSERT/UPDATE/DELETE of a sharded table: generated code collects the input rows
 * (as {@code Object[]}) and calls {@link ShardWriter#execute}, which encodes, routes and sends
 * them to the shards and returns the row count.
 */
public final class EnumerableShardTableModify extends TableModify implements EnumerableRel {
  public EnumerableShardTableModify(RelOptCluster cluster, RelTraitSet traitSet, RelOptTable table,
      Prepare.CatalogReader catalogReader, RelNode input, Operation operation,
      @Nullable List<String> updateColumnList, @Nullable List<RexNode> sourceExpressionList,
      boolean flattened) {
    super(cluster, traitSet, table, catalogReader, input, operation, updateColumnList,
        sourceExpressionList, flattened);
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new EnumerableShardTableModify(getCluster(), traitSet, getTable(), getCatalogReader(),
        sole(inputs), getOperation(), getUpdateColumnList(), getSourceExpressionList(),
        isFlattened());
  }

  @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
      RelMetadataQuery mq) {
    return requireNonNull(super.computeSelfCost(planner, mq)).multiplyBy(.1);
  }

  /** What the writer needs to know about this statement, fixed at prepare time. */
  WritePlan plan() {
    ShardedTable table = requireNonNull(getTable().unwrap(ShardedTable.class), "ShardedTable");
    List<String> names = getTable().getRowType().getFieldNames();
    int[] updateColumns = new int[0];
    if (getOperation() == Operation.UPDATE) {
      List<String> cols = requireNonNull(getUpdateColumnList());
      updateColumns = new int[cols.size()];
      for (int i = 0; i < cols.size(); i++) {
        updateColumns[i] = names.indexOf(cols.get(i));
      }
    }
    return new WritePlan(table, getOperation(), names.size(), updateColumns,
        readsTables(getInput()));
  }

  /** Whether {@code input} reads a table (anything but VALUES and expressions over them). */
  static boolean readsTables(RelNode input) {
    boolean[] found = {false};
    new RelVisitor() {
      @Override public void visit(RelNode node, int ordinal, @Nullable RelNode parent) {
        if (found[0]) {
          return;
        }
        RelNode n = node instanceof RelSubset
            ? ((RelSubset) node).getBestOrOriginal() : node;
        if (n.getTable() != null) {
          found[0] = true;
          return;
        }
        n.childrenAccept(this);
      }
    }.go(input);
    return found[0];
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    final BlockBuilder builder = new BlockBuilder();
    final Result input = implementor.visitChild(this, 0, (EnumerableRel) getInput(), Prefer.ARRAY);
    final Expression child = builder.append("child", input.block);
    final Expression rows =
        builder.append("rows", input.physType.convertTo(child, JavaRowFormat.ARRAY));
    final Expression plan = implementor.stash(plan(), WritePlan.class);
    // ROWCOUNT is one column, so every row format is scalar: an Enumerable<Long>.
    final List<Expression> args = new ArrayList<>();
    args.add(implementor.getRootExpression());
    args.add(plan);
    args.add(rows);
    builder.add(
        Expressions.return_(null,
            Expressions.call(ShardWriter.class, "execute", args)));
    final PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        JavaRowFormat.SCALAR);
    return implementor.result(physType, builder.toBlock());
  }
}
