package io.tessera.sql.planner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.enumerable.EnumerableHashJoin;
import org.apache.calcite.adapter.enumerable.EnumerableMergeUnion;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelCollationTraitDef;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.JoinInfo;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.Pair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties every physical plan must have, checked on queries that once broke them: shard
 * operators never claim an order (only a merged {@link ShardSort} does), a limit never goes below
 * a distinct union, hash-join keys agree in type, and aggregates are typed wide enough.
 */
class PlanInvariantsTest {
  private static PlannerHarness planner;

  @BeforeAll static void setUp() throws Exception {
    planner = new PlannerHarness(TestTables.orders(), TestTables.lines(), TestTables.events());
  }

  @AfterAll static void tearDown() throws Exception {
    planner.close();
  }

  // ------------------------------------------------------------- collations (bugs 1, 2)

  @Test void partlyPushedProjectionUnderASortOnAnUnselectedColumnPlans() throws Exception {
    // Was ArrayIndexOutOfBoundsException in ExpandConversionRule: the narrower ShardProject
    // took the collation of the whole (wider) projection.
    for (String sql : List.of(
        "SELECT AMOUNT, MOD(CUSTOMER, 4), AMOUNT, NULLIF(CUSTOMER, 700) FROM ORDERS"
            + " WHERE ID NOT IN (2409, 2353) ORDER BY ID LIMIT 3",
        "SELECT STATUS, STATUS, ABS(CUSTOMER) FROM ORDERS WHERE AMOUNT BETWEEN 1 AND 5"
            + " ORDER BY CREATED NULLS FIRST, ID",
        "SELECT UPPER(STATUS), CUSTOMER + 1 FROM ORDERS ORDER BY NOTE DESC, ID OFFSET 1 ROWS")) {
      RelNode plan = planner.physical(sql);
      assertOrderIsDelivered(plan);
      assertThat(PlannerHarness.toString(plan)).containsPattern("ShardSort|EnumerableSort");
    }
  }

  @Test void orderByOverPushedFilterAndProjectionIsSorted() throws Exception {
    // Was planned without any sort (per-shard order): ShardFilter/ShardProject copied the
    // logical node's collation, so the planner believed the shard streams were sorted.
    RelNode plan = planner.physical(
        "SELECT -ID, ID FROM ORDERS WHERE AMOUNT IS NOT NULL ORDER BY ID");
    assertOrderIsDelivered(plan);
    assertThat(PlannerHarness.toString(plan)).contains("ShardSort(sort0=[$1], dir0=[ASC])");

    // Over an index range on several shards as well.
    plan = planner.physical(
        "SELECT ID FROM ORDERS WHERE CUSTOMER = 974 ORDER BY CREATED NULLS LAST, ID");
    assertOrderIsDelivered(plan);
    assertThat(PlannerHarness.toString(plan)).contains("ShardSort", "ORDERS_BY_CUSTOMER");
  }

  /**
   * No SHARD operator claims a collation, and a converter to enumerable claims one only over a
   * {@link ShardSort} (whose sorted shard streams it merges).
   */
  private static void assertOrderIsDelivered(RelNode rel) {
    List<RelNode> all = new ArrayList<>();
    collect(rel, all);
    for (RelNode r : all) {
      List<RelCollation> collations = r.getTraitSet().getTraits(RelCollationTraitDef.INSTANCE);
      boolean sorted = collations != null
          && collations.stream().anyMatch(c -> !c.getFieldCollations().isEmpty());
      if (r instanceof ShardRel && !(r instanceof ShardSort)) {
        assertThat(sorted).as("collation of %s", r).isFalse();
      }
      if (r instanceof ShardToEnumerableConverter && sorted) {
        assertThat(r.getInput(0)).as("input of %s", r).isInstanceOf(ShardSort.class);
      }
    }
  }

  // ------------------------------------------------------------------- union (bug 3)

  @Test void limitIsPushedBelowUnionAllButNotBelowDistinctUnion() throws Exception {
    RelNode distinct = planner.physical(
        "SELECT V FROM EVENTS UNION SELECT QTY FROM LINES ORDER BY 1 NULLS LAST LIMIT 30");
    List<RelNode> all = new ArrayList<>();
    collect(distinct, all);
    EnumerableMergeUnion union = (EnumerableMergeUnion) all.stream()
        .filter(r -> r instanceof EnumerableMergeUnion).findFirst().orElseThrow();
    assertThat(union.all).isFalse();
    List<RelNode> below = new ArrayList<>();
    union.getInputs().forEach(i -> collect(i, below));
    assertThat(below).noneMatch(r -> r instanceof Sort && ((Sort) r).fetch != null);
    assertThat(PlannerHarness.toString(distinct)).contains("EnumerableLimit(fetch=[30])");

    String unionAll = PlannerHarness.toString(planner.physical(
        "SELECT V FROM EVENTS UNION ALL SELECT QTY FROM LINES ORDER BY 1 NULLS LAST LIMIT 30"));
    assertThat(unionAll).contains("EnumerableMergeUnion(all=[true])", "fetch=[30]");
    assertThat(unionAll.split("fetch=\\[30]", -1)).hasSize(4); // the limit and both inputs
  }

  // --------------------------------------------------------------- join keys (bug 4)

  @Test void hashJoinKeysHaveTheSameRepresentation() throws Exception {
    for (String sql : List.of(
        // INTEGER vs BIGINT through = ANY (a semi-join), IN, EXISTS, ON and WHERE.
        "SELECT ID FROM ORDERS WHERE CUSTOMER = ANY (SELECT ORDER_ID FROM LINES)",
        "SELECT ID FROM ORDERS WHERE CUSTOMER IN (SELECT ORDER_ID FROM LINES)",
        "SELECT ID FROM ORDERS o WHERE EXISTS (SELECT 1 FROM LINES l WHERE l.ORDER_ID = o.CUSTOMER"
            + " AND l.QTY > 3)",
        "SELECT o.ID, l.ITEM FROM ORDERS o JOIN LINES l ON o.CUSTOMER = l.ORDER_ID",
        "SELECT o.ID FROM ORDERS o LEFT JOIN LINES l ON o.AMOUNT = l.QTY",
        "SELECT o.ID FROM ORDERS o, LINES l WHERE o.AMOUNT = l.QTY AND o.CUSTOMER = l.LINE")) {
      // (Merge joins convert their keys themselves.)
      RelNode plan = planner.physicalWithout(sql, EnumerableRules.ENUMERABLE_MERGE_JOIN_RULE);
      List<RelNode> all = new ArrayList<>();
      collect(plan, all);
      List<RelNode> joins = all.stream().filter(r -> r instanceof EnumerableHashJoin).toList();
      assertThat(joins).as(sql).isNotEmpty();
      for (RelNode r : joins) {
        EnumerableHashJoin join = (EnumerableHashJoin) r;
        JoinInfo info = join.analyzeCondition();
        for (Pair<Integer, Integer> keys : Pair.zip(info.leftKeys, info.rightKeys)) {
          RelDataType left = join.getLeft().getRowType().getFieldList().get(keys.left).getType();
          RelDataType right =
              join.getRight().getRowType().getFieldList().get(keys.right).getType();
          assertThat(CommonKeyTypeJoinRule.sameRepresentation(new JavaTypeFactoryImpl(), left,
              right)).as("%s: keys %s and %s", sql, left, right).isTrue();
        }
      }
    }
  }

  // ------------------------------------------------------------- aggregates (bug 5)

  @Test void sumAndAverageAreWideEnough() throws Exception {
    RelDataType row = planner.physical(
        "SELECT SUM(CUSTOMER), AVG(CUSTOMER), SUM(AMOUNT), AVG(AMOUNT), SUM(V), SUM(QTY_S)"
            + " FROM (SELECT o.CUSTOMER, o.AMOUNT, e.V, CAST(o.CUSTOMER AS SMALLINT) AS QTY_S"
            + " FROM ORDERS o, EVENTS e)").getRowType();
    assertThat(row.getFieldList().get(0).getType().getSqlTypeName()).isEqualTo(SqlTypeName.BIGINT);
    assertThat(row.getFieldList().get(1).getType().getSqlTypeName()).isEqualTo(SqlTypeName.DOUBLE);
    RelDataType sumDecimal = row.getFieldList().get(2).getType();
    assertThat(sumDecimal.getSqlTypeName()).isEqualTo(SqlTypeName.DECIMAL);
    assertThat(sumDecimal.getPrecision()).isEqualTo(19);
    assertThat(sumDecimal.getScale()).isEqualTo(2);
    assertThat(row.getFieldList().get(3).getType()).isEqualTo(sumDecimal);
    assertThat(row.getFieldList().get(4).getType().getSqlTypeName()).isEqualTo(SqlTypeName.DOUBLE);
    assertThat(row.getFieldList().get(5).getType().getSqlTypeName()).isEqualTo(SqlTypeName.BIGINT);
  }

  private static void collect(RelNode rel, List<RelNode> out) {
    out.add(rel);
    for (RelNode input : rel.getInputs()) {
      collect(input, out);
    }
  }
}
