package io.tessera.sql.planner;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.tessera.sql.schema.ColumnTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.rules.AggregateExtractProjectRule;
import org.apache.calcite.rel.logical.LogicalAggregate;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.logical.LogicalSort;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.tools.RelBuilderFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Rules that push relational operators into the {@link ShardRel#CONVENTION SHARD} convention,
 * building the per-shard fragment in its fixed order: scan, filter, project, sort and limit.
 *
 * <ul>
 *   <li>{@link #FILTER}: the translatable conjuncts of a filter directly on a table scan (Calcite
 *       pushes filters down to there) become a {@link ShardFilter}; they also choose the target
 *       shards and key range of the scan; the rest stays above in Calcite;</li>
 *   <li>{@link #PROJECT}: a projection over a shard filter, scan or project becomes a
 *       {@link ShardProject} (untranslatable expressions are computed above from the pushed
 *       columns);</li>
 *   <li>{@link #SORT}: ORDER BY / OFFSET / FETCH over any of those becomes a {@link ShardSort},
 *       which ends the fragment ({@link ShardRel#SORTED});</li>
 *   <li>{@link #TO_ENUMERABLE}, {@link #SORTED_TO_ENUMERABLE}: the converter that runs the
 *       fragment and merges the shard streams.</li>
 * </ul>
 */
public final class ShardRules {
  private ShardRules() {}

  public static final RelOptRule FILTER = new ShardRuleConfig("ShardFilterRule",
      ShardFilterRule::new,
      b0 -> b0.operand(LogicalFilter.class).oneInput(b1 ->
          b1.operand(ShardTableScan.class).predicate(s -> s.access().isFull()).noInputs()))
      .toRule();

  public static final RelOptRule PROJECT = ConverterRule.Config.INSTANCE
      .withConversion(LogicalProject.class, Convention.NONE, ShardRel.CONVENTION,
          "ShardProjectRule")
      .withRuleFactory(ShardProjectRule::new)
      .toRule(ConverterRule.class);

  public static final RelOptRule SORT = ConverterRule.Config.INSTANCE
      .withConversion(LogicalSort.class, ShardRules::isPushableSort, Convention.NONE,
          ShardRel.SORTED, "ShardSortRule")
      .withRuleFactory(ShardSortRule::new)
      .toRule(ConverterRule.class);

  public static final RelOptRule TO_ENUMERABLE = ConverterRule.Config.INSTANCE
      .withConversion(RelNode.class, ShardRel.CONVENTION, EnumerableConvention.INSTANCE,
          "ShardToEnumerableConverterRule")
      .withRuleFactory(ShardToEnumerableConverterRule::new)
      .toRule(ConverterRule.class);

  public static final RelOptRule SORTED_TO_ENUMERABLE = ConverterRule.Config.INSTANCE
      .withConversion(RelNode.class, ShardRel.SORTED, EnumerableConvention.INSTANCE,
          "ShardSortedToEnumerableConverterRule")
      .withRuleFactory(ShardToEnumerableConverterRule::new)
      .toRule(ConverterRule.class);

  /**
   * Calcite folds the projection below an aggregate into the aggregate; these put it back
   * (only the grouped and aggregated columns) so that it can be pushed to the shards.
   */
  public static final RelOptRule AGGREGATE_FILTER_EXTRACT_PROJECT =
      AggregateExtractProjectRule.Config.DEFAULT
          .withOperandFor(LogicalAggregate.class, LogicalFilter.class)
          .withDescription("ShardAggregateExtractProjectRule(Filter)")
          .as(AggregateExtractProjectRule.Config.class)
          .toRule();

  public static final RelOptRule AGGREGATE_SCAN_EXTRACT_PROJECT =
      AggregateExtractProjectRule.Config.DEFAULT
          .withOperandFor(LogicalAggregate.class, ShardTableScan.class)
          .withDescription("ShardAggregateExtractProjectRule(Scan)")
          .as(AggregateExtractProjectRule.Config.class)
          .toRule();

  /** {@code COUNT(*)} needs no column: the shards then send one constant per row. */
  public static final RelOptRule AGGREGATE_WITHOUT_COLUMNS = new ShardRuleConfig(
      "ShardAggregateWithoutColumnsRule", ShardAggregateWithoutColumnsRule::new,
      b0 -> b0.operand(LogicalAggregate.class)
          .predicate(ShardRules::readsNoColumn)
          .oneInput(b1 -> b1.operand(RelNode.class)
              .predicate(r -> (r instanceof LogicalFilter || r instanceof ShardTableScan)
                  && r.getRowType().getFieldCount() > 1)
              .anyInputs()))
      .toRule();

  public static final List<RelOptRule> RULES = ImmutableList.of(FILTER, PROJECT, SORT,
      TO_ENUMERABLE, SORTED_TO_ENUMERABLE, AGGREGATE_FILTER_EXTRACT_PROJECT,
      AGGREGATE_SCAN_EXTRACT_PROJECT, AGGREGATE_WITHOUT_COLUMNS);

  static {
    CalciteSystemDefaults.apply();
  }

  public static void register(RelOptPlanner planner) {
    for (RelOptRule rule : RULES) {
      planner.addRule(rule);
    }
  }

  /** {@code rel}'s traits in the SHARD convention, without collation ({@link ShardRel#unsorted}). */
  static RelTraitSet shardTraits(RelNode rel) {
    return ShardRel.unsorted(rel.getTraitSet().replace(ShardRel.CONVENTION));
  }

  private static boolean isDeterministicAndTranslatable(RexBuilder rexBuilder, RexNode e) {
    return RexUtil.isDeterministic(e) && RexToExpr.isTranslatable(rexBuilder, e);
  }

  // ---------------------------------------------------------------------------------- filter

  /** Pushes the translatable conjuncts of a {@link LogicalFilter} into the shard scan. */
  static final class ShardFilterRule extends RelRule<ShardRuleConfig> {
    ShardFilterRule(ShardRuleConfig config) {
      super(config);
    }

    @Override public void onMatch(RelOptRuleCall call) {
      LogicalFilter filter = call.rel(0);
      ShardTableScan scan = call.rel(1);
      RexBuilder rexBuilder = filter.getCluster().getRexBuilder();
      List<RexNode> pushed = new ArrayList<>();
      List<RexNode> kept = new ArrayList<>();
      for (RexNode conjunct : RelOptUtil.conjunctions(filter.getCondition())) {
        (isDeterministicAndTranslatable(rexBuilder, conjunct) ? pushed : kept).add(conjunct);
      }
      if (pushed.isEmpty()) {
        return;
      }
      RexNode condition = RexUtil.composeConjunction(rexBuilder, pushed);
      ShardAccess access = ShardAccess.choose(scan.shardedTable().schema(),
          KeyConditions.of(condition, scan.shardedTable().schema()));
      RelNode input = access.isFull() ? scan : scan.withAccess(access);
      RelNode shardFilter = new ShardFilter(filter.getCluster(), shardTraits(filter), input,
          condition);
      if (kept.isEmpty()) {
        call.transformTo(shardFilter);
      } else {
        call.transformTo(call.builder().push(shardFilter).filter(kept).build());
      }
    }
  }

  // ------------------------------------------------------------------------------- aggregate

  static boolean readsNoColumn(LogicalAggregate aggregate) {
    return aggregate.getGroupType() == Aggregate.Group.SIMPLE
        && aggregate.getGroupSet().isEmpty()
        && aggregate.getAggCallList().stream()
            .allMatch(c -> c.getArgList().isEmpty() && c.filterArg < 0 && !c.isDistinct());
  }

  /** Puts a one-constant projection under an aggregate that reads no column. */
  static final class ShardAggregateWithoutColumnsRule extends RelRule<ShardRuleConfig> {
    ShardAggregateWithoutColumnsRule(ShardRuleConfig config) {
      super(config);
    }

    @Override public void onMatch(RelOptRuleCall call) {
      LogicalAggregate aggregate = call.rel(0);
      RelNode input = call.rel(1);
      RexBuilder rexBuilder = aggregate.getCluster().getRexBuilder();
      // Built directly: RelBuilder would prune the unused constant again.
      RelNode zero = LogicalProject.create(input, ImmutableList.of(),
          ImmutableList.of(rexBuilder.makeZeroLiteral(
              aggregate.getCluster().getTypeFactory().createSqlType(SqlTypeName.INTEGER))),
          ImmutableList.of("ZERO"), ImmutableSet.of());
      call.transformTo(LogicalAggregate.create(zero, aggregate.getHints(),
          aggregate.getGroupSet(), aggregate.getGroupSets(), aggregate.getAggCallList()));
    }
  }

  // --------------------------------------------------------------------------------- project

  /**
   * Pushes a {@link LogicalProject} onto the SHARD form of its input (a shard filter, scan or
   * project), or, when some expressions cannot run on the shards, pushes the translatable ones
   * and the columns the others read, and computes the rest above.
   */
  static final class ShardProjectRule extends ConverterRule {
    ShardProjectRule(ConverterRule.Config config) {
      super(config);
    }

    @Override public @Nullable RelNode convert(RelNode rel) {
      LogicalProject project = (LogicalProject) rel;
      // Neither the input nor the result is sorted, even when the logical project claims an
      // order (e.g. above a sort): the pushed projection may also be narrower than the project,
      // so its collation would not even refer to the right columns.
      RelNode input = convert(project.getInput(), shardTraits(project.getInput()));
      RelTraitSet traits = shardTraits(project);
      RexBuilder rexBuilder = project.getCluster().getRexBuilder();
      if (project.getProjects().isEmpty()) {
        return null; // an empty projection means "every column" to a shard
      }
      if (project.getProjects().stream()
          .allMatch(e -> isDeterministicAndTranslatable(rexBuilder, e))) {
        return new ShardProject(project.getCluster(), traits, input, project.getProjects(),
            project.getRowType());
      }
      List<RexNode> pushed = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<String> inputNames = project.getInput().getRowType().getFieldNames();
      RexShuttle toPushed = new RexShuttle() {
        @Override public RexNode visitInputRef(RexInputRef ref) {
          String name = inputNames.get(ref.getIndex());
          return new RexInputRef(slot(pushed, names, ref, name), ref.getType());
        }
      };
      List<RexNode> top = new ArrayList<>();
      for (int i = 0; i < project.getProjects().size(); i++) {
        RexNode e = project.getProjects().get(i);
        if (e instanceof RexInputRef || !isDeterministicAndTranslatable(rexBuilder, e)) {
          top.add(e.accept(toPushed));
        } else {
          int s = slot(pushed, names, e, project.getRowType().getFieldNames().get(i));
          top.add(new RexInputRef(s, e.getType()));
        }
      }
      if (pushed.size() >= project.getInput().getRowType().getFieldCount()
          && pushed.stream().allMatch(e -> e instanceof RexInputRef)) {
        return null; // nothing to gain
      }
      RelDataTypeFactory.Builder type = project.getCluster().getTypeFactory().builder();
      for (int i = 0; i < pushed.size(); i++) {
        type.add(names.get(i), pushed.get(i).getType());
      }
      RelNode shardProject = new ShardProject(project.getCluster(), traits, input, pushed,
          type.uniquify().build());
      return LogicalProject.create(shardProject, project.getHints(), top,
          project.getRowType().getFieldNames(), project.getVariablesSet());
    }

    private static int slot(List<RexNode> pushed, List<String> names, RexNode e, String name) {
      int i = pushed.indexOf(e);
      if (i < 0) {
        pushed.add(e);
        names.add(name);
        i = pushed.size() - 1;
      }
      return i;
    }
  }

  // ------------------------------------------------------------------------------------ sort

  static boolean isPushableSort(Sort sort) {
    if (!isLimitValue(sort.offset) || !isLimitValue(sort.fetch)) {
      return false;
    }
    RelDataType rowType = sort.getInput().getRowType();
    for (RelFieldCollation fc : sort.getCollation().getFieldCollations()) {
      if (ColumnTypes.toColumnType(rowType.getFieldList().get(fc.getFieldIndex()).getType())
          == null) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLimitValue(@Nullable RexNode e) {
    return e == null || e instanceof RexLiteral || e instanceof RexDynamicParam;
  }

  /** Pushes ORDER BY and OFFSET/FETCH onto the SHARD form of the sort's input. */
  static final class ShardSortRule extends ConverterRule {
    ShardSortRule(ConverterRule.Config config) {
      super(config);
    }

    @Override public RelNode convert(RelNode rel) {
      Sort sort = (Sort) rel;
      RelNode input = convert(sort.getInput(), shardTraits(sort.getInput()));
      return new ShardSort(sort.getCluster(), sort.getTraitSet().replace(ShardRel.SORTED),
          input, sort.getCollation(), sort.offset, sort.fetch);
    }
  }

  // ----------------------------------------------------------------------------- converter

  /** Converts the top of a SHARD (or SHARD_SORTED) chain into a converter to enumerable. */
  static final class ShardToEnumerableConverterRule extends ConverterRule {
    ShardToEnumerableConverterRule(ConverterRule.Config config) {
      super(config);
    }

    @Override public RelNode convert(RelNode rel) {
      return new ShardToEnumerableConverter(rel.getCluster(),
          rel.getTraitSet().replace(EnumerableConvention.INSTANCE), rel);
    }
  }

  // ---------------------------------------------------------------------------------- config

  /** Configuration of the operand-matching shard rules (no annotation processing needed). */
  static final class ShardRuleConfig implements RelRule.Config {
    private final String description;
    private final Function<ShardRuleConfig, RelOptRule> factory;
    private final RelRule.OperandTransform operands;
    private final RelBuilderFactory relBuilderFactory;

    ShardRuleConfig(String description, Function<ShardRuleConfig, RelOptRule> factory,
        RelRule.OperandTransform operands) {
      this(description, factory, operands, RelFactories.LOGICAL_BUILDER);
    }

    private ShardRuleConfig(String description, Function<ShardRuleConfig, RelOptRule> factory,
        RelRule.OperandTransform operands, RelBuilderFactory relBuilderFactory) {
      this.description = description;
      this.factory = factory;
      this.operands = operands;
      this.relBuilderFactory = relBuilderFactory;
    }

    @Override public RelOptRule toRule() {
      return factory.apply(this);
    }

    @Override public RelBuilderFactory relBuilderFactory() {
      return relBuilderFactory;
    }

    @Override public ShardRuleConfig withRelBuilderFactory(RelBuilderFactory f) {
      return new ShardRuleConfig(description, factory, operands, f);
    }

    @Override public String description() {
      return description;
    }

    @Override public ShardRuleConfig withDescription(@Nullable String d) {
      return new ShardRuleConfig(d == null ? description : d, factory, operands,
          relBuilderFactory);
    }

    @Override public RelRule.OperandTransform operandSupplier() {
      return operands;
    }

    @Override public ShardRuleConfig withOperandSupplier(RelRule.OperandTransform transform) {
      return new ShardRuleConfig(description, factory, transform, relBuilderFactory);
    }
  }
}
