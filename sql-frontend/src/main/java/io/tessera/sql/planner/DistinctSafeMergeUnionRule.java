package io.tessera.sql.planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableLimit;
import org.apache.calcite.adapter.enumerable.EnumerableMergeUnion;
import org.apache.calcite.adapter.enumerable.EnumerableMergeUnionRule;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.Union;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.tools.RelBuilder;
import org.apache.calcite.util.ImmutableBitSet;

/**
 * Calcite's {@link EnumerableMergeUnionRule} (ORDER BY over a UNION becomes a merge of sorted
 * inputs), except that OFFSET/FETCH is pushed into the inputs only of a UNION ALL.
 *
 * <p>Calcite's rule also pushes the limit below a UNION (distinct): each input then keeps only
 * its first {@code offset + fetch} rows, duplicates across (and within) inputs use up that budget
 * before the merge removes them, and the query returns too few rows (e.g. 22 instead of 30 for
 * {@code SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 30}). A limit can only move below
 * an operator that neither removes nor adds rows, which a distinct union does.
 */
public final class DistinctSafeMergeUnionRule extends EnumerableMergeUnionRule {
  /** Replaces {@code EnumerableRules.ENUMERABLE_MERGE_UNION_RULE}. */
  public static final RelOptRule INSTANCE = new DistinctSafeMergeUnionRule(
      Config.DEFAULT_CONFIG.withDescription("DistinctSafeMergeUnionRule")
          .as(Config.class));

  private DistinctSafeMergeUnionRule(Config config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    final Sort sort = call.rel(0);
    final RelCollation collation = sort.getCollation();
    final Union union = call.rel(1);

    // Each input needs at most offset + fetch rows, but only if no row is removed after them.
    RexNode inputFetch = null;
    if (union.all && sort.fetch != null) {
      if (sort.offset == null) {
        inputFetch = sort.fetch;
      } else if (sort.fetch instanceof RexLiteral && sort.offset instanceof RexLiteral) {
        inputFetch = call.builder().literal(RexLiteral.longValue(sort.fetch)
            + RexLiteral.longValue(sort.offset));
      }
    }

    // The rest as in Calcite's rule.
    final RelBuilder builder = call.builder();
    final List<RelDataTypeField> unionFields = union.getRowType().getFieldList();
    final List<RelNode> inputs = new ArrayList<>(union.getInputs().size());
    for (RelNode input : union.getInputs()) {
      // Cast sort fields whose type collation differs from the union's, so that every input is
      // sorted the same way.
      final ImmutableBitSet.Builder castFields = ImmutableBitSet.builder();
      for (RelFieldCollation fc : collation.getFieldCollations()) {
        final int index = fc.getFieldIndex();
        if (!Objects.equals(unionFields.get(index).getType().getCollation(),
            input.getRowType().getFieldList().get(index).getType().getCollation())) {
          castFields.set(index);
        }
      }
      final ImmutableBitSet cast = castFields.build();
      RelNode unsorted = input;
      if (!cast.isEmpty()) {
        builder.push(input);
        final List<RexNode> fields = builder.fields();
        final List<RexNode> projects = new ArrayList<>(fields.size());
        for (int i = 0; i < fields.size(); i++) {
          projects.add(cast.get(i)
              ? builder.getRexBuilder().makeCast(unionFields.get(i).getType(), fields.get(i))
              : fields.get(i));
        }
        unsorted = builder.project(projects).build();
      }
      final RelNode sorted = sort.copy(sort.getTraitSet(), unsorted, collation, null,
          inputFetch);
      inputs.add(convert(call.getPlanner(), sorted,
          sorted.getTraitSet().replace(EnumerableConvention.INSTANCE)));
    }

    RelNode result = EnumerableMergeUnion.create(collation, inputs, union.all);
    if (sort.offset != null || sort.fetch != null) {
      result = EnumerableLimit.create(result, sort.offset, sort.fetch);
    }
    call.transformTo(result);
  }
}
