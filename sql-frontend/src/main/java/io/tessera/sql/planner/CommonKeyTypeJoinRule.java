package io.tessera.sql.planner;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.linq4j.tree.Primitive;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.rel.logical.LogicalJoin;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Calcite's {@code EnumerableJoinRule} (hash join for equi-joins, nested loops otherwise), except
 * that equi-join keys whose values have different Java representations are first cast to their
 * least restrictive common type.
 *
 * <p>{@code EnumerableHashJoin} hashes and compares the key values as they are: an INTEGER key
 * ({@code Integer}) never equals a SMALLINT ({@code Short}) or BIGINT ({@code Long}) key, and
 * DECIMALs of different scales ({@code 1.5} vs {@code 1.50}) do not equal either, so such a join
 * silently returned no match. Joins with such keys come from {@code ON} conditions, from
 * sub-queries ({@code x = ANY (SELECT ...)}, {@code EXISTS}, decorrelation) and from filters
 * pushed into joins while planning; this rule sees them all, because every logical join becomes
 * an enumerable one through it. For such a join it produces, instead of a hash join, the same
 * join over projections that add the cast keys (a project on top restores the row type); the
 * rule then implements that join, whose keys agree. (The merge join converts its keys itself.)
 */
public final class CommonKeyTypeJoinRule extends ConverterRule {
  /** Replaces {@link EnumerableRules#ENUMERABLE_JOIN_RULE}. */
  public static final RelOptRule INSTANCE = Config.INSTANCE
      .withConversion(LogicalJoin.class, Convention.NONE, EnumerableConvention.INSTANCE,
          "CommonKeyTypeJoinRule")
      .withRuleFactory(CommonKeyTypeJoinRule::new)
      .toRule(CommonKeyTypeJoinRule.class);

  /** Calcite's rule (its class is not public), which implements joins whose keys agree. */
  private static final ConverterRule CALCITE = (ConverterRule) EnumerableRules.ENUMERABLE_JOIN_RULE;

  private CommonKeyTypeJoinRule(Config config) {
    super(config);
  }

  @Override public @Nullable RelNode convert(RelNode rel) {
    Join join = (Join) rel;
    RexNode condition = withCommonKeyTypes(join);
    if (condition == null) {
      return CALCITE.convert(rel);
    }
    Join cast = join.copy(join.getTraitSet(), condition, join.getLeft(), join.getRight(),
        join.getJoinType(), join.isSemiJoinDone());
    return RelOptUtil.pushDownJoinConditions(cast,
        RelFactories.LOGICAL_BUILDER.create(join.getCluster(), null));
  }

  /**
   * The join's condition with the operands of each top-level equality between a left and a right
   * column of different representations cast to their common type; null when there is none.
   */
  static @Nullable RexNode withCommonKeyTypes(Join join) {
    RexBuilder rexBuilder = join.getCluster().getRexBuilder();
    int leftCount = join.getLeft().getRowType().getFieldCount();
    List<RexNode> conjuncts = new ArrayList<>();
    boolean changed = false;
    for (RexNode conjunct : RelOptUtil.conjunctions(join.getCondition())) {
      RexNode unified = unify(rexBuilder, conjunct, leftCount);
      changed |= unified != conjunct;
      conjuncts.add(unified);
    }
    return changed ? RexUtil.composeConjunction(rexBuilder, conjuncts) : null;
  }

  private static RexNode unify(RexBuilder rexBuilder, RexNode conjunct, int leftCount) {
    if (!(conjunct.isA(SqlKind.EQUALS) || conjunct.isA(SqlKind.IS_NOT_DISTINCT_FROM))) {
      return conjunct;
    }
    RexCall call = (RexCall) conjunct;
    RexNode a = call.getOperands().get(0);
    RexNode b = call.getOperands().get(1);
    if (!(a instanceof RexInputRef) || !(b instanceof RexInputRef)
        || (((RexInputRef) a).getIndex() < leftCount)
            == (((RexInputRef) b).getIndex() < leftCount)) {
      return conjunct; // not a key pair: evaluated as a predicate, with SQL's comparison rules
    }
    RelDataTypeFactory typeFactory = rexBuilder.getTypeFactory();
    if (sameRepresentation(typeFactory, a.getType(), b.getType())) {
      return conjunct;
    }
    RelDataType common = typeFactory.leastRestrictive(List.of(a.getType(), b.getType()));
    if (common == null) {
      return conjunct;
    }
    return rexBuilder.makeCall(call.getOperator(), cast(rexBuilder, a, common),
        cast(rexBuilder, b, common));
  }

  /** Whether values of the two types are equal exactly when they are equal in SQL. */
  static boolean sameRepresentation(RelDataTypeFactory typeFactory, RelDataType a,
      RelDataType b) {
    if (a.getSqlTypeName() == SqlTypeName.DECIMAL || b.getSqlTypeName() == SqlTypeName.DECIMAL) {
      // BigDecimal.equals compares the scale too.
      return a.getSqlTypeName() == b.getSqlTypeName() && a.getScale() == b.getScale();
    }
    if (typeFactory instanceof JavaTypeFactory) {
      JavaTypeFactory java = (JavaTypeFactory) typeFactory;
      return boxed(java.getJavaClass(a)).equals(boxed(java.getJavaClass(b)));
    }
    return a.getSqlTypeName() == b.getSqlTypeName();
  }

  private static Type boxed(Type type) {
    return type instanceof Class && ((Class<?>) type).isPrimitive()
        ? Primitive.box((Class<?>) type) : type;
  }

  /**
   * {@code key} as {@code common} (keeping its nullability); a cast that could overflow (to a
   * DECIMAL with fewer integer digits) yields NULL instead of failing: such a value equals no
   * value of the other side.
   */
  private static RexNode cast(RexBuilder rexBuilder, RexNode key, RelDataType common) {
    RelDataType type = rexBuilder.getTypeFactory()
        .createTypeWithNullability(common, key.getType().isNullable());
    if (type.equals(key.getType())) {
      return key;
    }
    boolean mayOverflow = type.getSqlTypeName() == SqlTypeName.DECIMAL
        && (integerDigits(key.getType()) > type.getPrecision() - type.getScale()
            || SqlTypeUtil.isDecimal(key.getType()) && key.getType().getScale() > type.getScale());
    return rexBuilder.makeCast(type, key, true, mayOverflow);
  }

  private static int integerDigits(RelDataType type) {
    switch (type.getSqlTypeName()) {
      case TINYINT:
        return 3;
      case SMALLINT:
        return 5;
      case INTEGER:
        return 10;
      case BIGINT:
        return 19;
      case DECIMAL:
        return type.getPrecision() - type.getScale();
      default:
        return Integer.MAX_VALUE; // approximate: may exceed any DECIMAL
    }
  }
}
