package io.tessera.sql.planner;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.tessera.protocol.proto.ColumnType;
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
import org.apache.calcite.rel.RelCollations;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.RelFactories;
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
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.ImmutableBitSet;
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
 *   <li>{@link #AGGREGATE}: GROUP BY with COUNT, SUM, MIN, MAX over any of those is split into a
 *       partial {@link ShardAggregate}, which ends the fragment ({@link ShardRel#AGGREGATED}),
 *       and a final aggregate in the frontend combining the shards' groups;</li>
 *   <li>{@link #TO_ENUMERABLE}, {@link #SORTED_TO_ENUMERABLE}, {@link #AGGREGATED_TO_ENUMERABLE}:
 *       the converter that runs the fragment and merges the shard streams.</li>
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

  public static final RelOptRule AGGREGATED_TO_ENUMERABLE = ConverterRule.Config.INSTANCE
      .withConversion(RelNode.class, ShardRel.AGGREGATED, EnumerableConvention.INSTANCE,
          "ShardAggregatedToEnumerableConverterRule")
      .withRuleFactory(ShardToEnumerableConverterRule::new)
      .toRule(ConverterRule.class);

  public static final RelOptRule AGGREGATE = new ShardRuleConfig("ShardAggregateRule",
      ShardAggregateRule::new,
      b0 -> b0.operand(LogicalAggregate.class).predicate(ShardRules::isSplittable).anyInputs())
      .toRule();

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
      TO_ENUMERABLE, SORTED_TO_ENUMERABLE, AGGREGATED_TO_ENUMERABLE, AGGREGATE,
      AGGREGATE_FILTER_EXTRACT_PROJECT,
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

  /**
   * Whether {@code aggregate} can be split into a partial aggregate on the shards and a final one
   * in the frontend: plain GROUP BY (no GROUPING SETS) whose calls are all
   * {@link #isSplittable(AggregateCall, RelDataType) splittable}.
   */
  static boolean isSplittable(LogicalAggregate aggregate) {
    Convention below = aggregate.getInput().getConvention();
    if (below == ShardRel.AGGREGATED || below == ShardRel.SORTED) {
      return false; // a final aggregate (splitting it again would never end), or above a limit
    }
    if (aggregate.getGroupType() != Aggregate.Group.SIMPLE
        || (aggregate.getGroupCount() == 0 && aggregate.getAggCallList().isEmpty())) {
      return false;
    }
    RelDataType input = aggregate.getInput().getRowType();
    for (int key : aggregate.getGroupSet()) {
      if (ColumnTypes.toColumnType(input.getFieldList().get(key).getType()) == null) {
        return false;
      }
    }
    return aggregate.getAggCallList().stream().allMatch(c -> isSplittable(c, input));
  }

  /**
   * COUNT(*), COUNT(x), SUM(x) and $SUM0(x) of numbers, MIN(x) and MAX(x) of numbers, strings and
   * datetimes; without DISTINCT, FILTER or WITHIN GROUP. (AVG, STDDEV and VAR arrive here as
   * the SUMs and COUNTs Calcite's {@code AggregateReduceFunctionsRule} rewrote them to.) Anything
   * else, e.g. COUNT(DISTINCT x) or MIN of a BOOLEAN, keeps the aggregate in the frontend.
   */
  static boolean isSplittable(AggregateCall call, RelDataType input) {
    if (call.isDistinct() || call.isApproximate() || call.filterArg >= 0
        || !call.getCollation().getFieldCollations().isEmpty() || call.distinctKeys != null
        || !call.rexList.isEmpty()) {
      return false;
    }
    List<Integer> args = call.getArgList();
    ColumnType arg = args.size() != 1 ? null
        : ColumnTypes.toColumnType(input.getFieldList().get(args.get(0)).getType());
    switch (call.getAggregation().getKind()) {
      case COUNT:
        return args.size() <= 1;
      case SUM:
      case SUM0:
        return arg != null && isNumeric(arg) && ColumnTypes.toColumnType(call.getType()) != null;
      case MIN:
      case MAX:
        return arg != null && arg != ColumnType.BOOLEAN && arg != ColumnType.BINARY
            && arg != ColumnType.VARBINARY;
      default:
        return false;
    }
  }

  private static boolean isNumeric(ColumnType t) {
    switch (t) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
      case DECIMAL:
      case REAL:
      case DOUBLE:
        return true;
      default:
        return false;
    }
  }

  /**
   * Splits an aggregate over a shard fragment into a final aggregate (in the frontend, over the
   * converter) of a partial {@link ShardAggregate} (on every target shard): each shard groups its
   * rows, and the final aggregate groups the shards' rows by the same keys again. Like
   * {@link ShardSortRule}, it asks for the SHARD form of the input, which exists when the input
   * is a fragment (scan, filter, projection); otherwise the alternative stays unimplementable. The partial
   * calls are the original ones ($SUM0 becomes SUM, as a shard sends NULL for a group without
   * values); the final ones combine them: COUNT → $SUM0 of the counts (0, never NULL, for a
   * global aggregate over no rows), SUM and $SUM0 → SUM or $SUM0 of the sums, MIN → MIN, MAX → MAX.
   * (This is the split of Calcite's {@code SplittableAggFunction}, restricted to what the shards
   * evaluate.)
   */
  static final class ShardAggregateRule extends RelRule<ShardRuleConfig> {
    ShardAggregateRule(ShardRuleConfig config) {
      super(config);
    }

    @Override public void onMatch(RelOptRuleCall call) {
      LogicalAggregate aggregate = call.rel(0);
      RelNode input = convert(aggregate.getInput(), shardTraits(aggregate.getInput()));
      int groups = aggregate.getGroupCount();
      List<AggregateCall> calls = aggregate.getAggCallList();
      List<AggregateCall> partial = new ArrayList<>(calls.size());
      for (AggregateCall c : calls) {
        partial.add(c.getAggregation().getKind() == SqlKind.SUM0
            ? create(SqlStdOperatorTable.SUM, c.getArgList(), groups, aggregate.getInput(),
                c.getName())
            : c);
      }
      ShardAggregate shards = new ShardAggregate(aggregate.getCluster(),
          aggregate.getTraitSet().replace(ShardRel.AGGREGATED), input, aggregate.getGroupSet(),
          partial);
      List<AggregateCall> finals = new ArrayList<>(calls.size());
      for (int i = 0; i < calls.size(); i++) {
        AggregateCall c = calls.get(i);
        SqlAggFunction combine;
        switch (c.getAggregation().getKind()) {
          case COUNT:
            combine = SqlStdOperatorTable.SUM0;
            break;
          case SUM:
          case SUM0:
          case MIN:
          case MAX:
            combine = c.getAggregation();
            break;
          default:
            throw new AssertionError("not splittable: " + c);
        }
        finals.add(create(combine, List.of(groups + i), groups, shards, c.getName()));
      }
      RelNode top = LogicalAggregate.create(shards, aggregate.getHints(),
          ImmutableBitSet.range(groups), null, finals);
      if (!RelOptUtil.areRowTypesEqual(top.getRowType(), aggregate.getRowType(), false)) {
        top = RelOptUtil.createCastRel(top, aggregate.getRowType(), true);
      }
      call.transformTo(top);
    }

    private static AggregateCall create(SqlAggFunction function, List<Integer> args,
        int groupCount, RelNode input, @Nullable String name) {
      return AggregateCall.create(function, false, false, false, List.of(), args, -1, null,
          RelCollations.EMPTY, groupCount, input, null, name);
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
