package io.tessera.sql.planner;

import java.util.List;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.adapter.enumerable.RexToLixTranslator;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.linq4j.tree.Primitive;
import org.apache.calcite.plan.ConventionTraitDef;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterImpl;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.runtime.Hook;
import org.apache.calcite.sql.validate.SqlConformance;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Runs a chain of {@link ShardRel}s as one fragment on every target shard and hands the merged
 * rows to Calcite's enumerable operators. The generated code calls
 * {@link ShardQuery#execute(org.apache.calcite.DataContext)} (see {@link ShardMethod}) on the
 * {@link ShardQuery} stashed with the plan: the code does not depend on literal values, so the
 * compiled plan is shared by statements that differ only in constants, and {@code ?}
 * parameters are read from the DataContext at each execution.
 */
public final class ShardToEnumerableConverter extends ConverterImpl implements EnumerableRel {
  public ShardToEnumerableConverter(RelOptCluster cluster, RelTraitSet traits, RelNode input) {
    super(cluster, ConventionTraitDef.INSTANCE, traits, input);
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new ShardToEnumerableConverter(getCluster(), traitSet, sole(inputs));
  }

  /**
   * Transferring rows costs in proportion to their width, so that fragments returning fewer
   * columns (pushed projections) are preferred even though they return as many rows.
   */
  @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
      RelMetadataQuery mq) {
    double rows = mq.getRowCount(getInput());
    double transfer = rows * (1 + getRowType().getFieldCount()) * 0.05;
    return planner.getCostFactory().makeCost(transfer, transfer, 0);
  }

  /** The fragment this converter runs (for tests and EXPLAIN-like diagnostics). */
  public ShardQuery query() {
    ShardRel.Implementor implementor = new ShardRel.Implementor();
    implementor.visitChild(getInput());
    return ShardQuery.of(implementor, getRowType(), getCluster().getRexBuilder());
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    // Rows are always arrays (scalars for one column); the consumer reads the format from the
    // result's PhysType.
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        JavaRowFormat.ARRAY);
    ShardQuery query = query().withScalarRows(physType.getFormat() == JavaRowFormat.SCALAR);
    PlanScans plan = PlanScans.of(implementor);
    plan.addScan(query.asOf());
    query.inPlan(plan);
    Hook.QUERY_PLAN.run(query.toString());
    BlockBuilder block = new BlockBuilder();
    Expression stashed = implementor.stash(query, ShardQuery.class);
    RexNode asOf = query.asOf();
    Expression run = asOf == null
        ? Expressions.call(stashed, ShardMethod.EXECUTE.method, implementor.getRootExpression())
        : Expressions.call(stashed, ShardMethod.EXECUTE_AS_OF.method,
            implementor.getRootExpression(), asOfTime(implementor, block, asOf));
    block.add(Expressions.return_(null, run));
    return implementor.result(physType, block.toBlock());
  }

  /**
   * Code computing the time of {@code FOR SYSTEM_TIME AS OF} at each execution (a Long, the
   * TIMESTAMP's milliseconds; null for NULL): it may be {@code CURRENT_TIMESTAMP} or a
   * parameter, which have a value only then.
   */
  private static Expression asOfTime(EnumerableRelImplementor implementor, BlockBuilder block,
      RexNode asOf) {
    SqlConformance conformance = (SqlConformance) implementor.map.getOrDefault("_conformance",
        SqlConformanceEnum.DEFAULT);
    RexToLixTranslator translator = RexToLixTranslator.forAggregation(
        implementor.getTypeFactory(), block, null, conformance);
    Expression time = translator.translateList(List.of(asOf), List.of(Long.class)).get(0);
    return Primitive.is(time.getType()) ? Expressions.box(time) : time;
  }
}
