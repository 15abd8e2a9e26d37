package io.tessera.sql.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.Aggregate;
import io.tessera.protocol.proto.AggregateCall;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.sql.exec.ScanSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which aggregates are split into a partial {@link ShardAggregate} on the shards and a final
 * aggregate in the frontend, and what the shards are sent.
 */
class AggregatesSplitAcrossShardsPlanTest {
  private static PlannerHarness planner;

  @BeforeAll static void setUp() throws Exception {
    planner = new PlannerHarness(TestTables.orders(), TestTables.lines(), TestTables.events());
  }

  @AfterAll static void tearDown() throws Exception {
    planner.close();
  }

  private static Aggregate pushed(String sql) throws Exception {
    return planner.queries(sql).get(0).bind(Params.UNBOUND).request().getFragment()
        .getAggregate();
  }

  @Test void groupByWithCountAndSumIsSplitIntoPartialAndFinal() throws Exception {
    String sql = "SELECT STATUS, COUNT(*), SUM(AMOUNT) FROM ORDERS GROUP BY STATUS";
    assertThat(planner.explain(sql)).contains(
        "EnumerableAggregate(group=[{0}], EXPR$1=[$SUM0($1)], EXPR$2=[SUM($2)])\n"
            + "  ShardToEnumerableConverter\n"
            + "    ShardAggregate(group=[{2}], EXPR$1=[COUNT()], EXPR$2=[SUM($3)])\n"
            + "      ShardTableScan(table=[[PUBLIC, ORDERS]], shards=[8])");

    ScanSpec spec = planner.queries(sql).get(0).bind(Params.UNBOUND);
    Aggregate a = spec.request().getFragment().getAggregate();
    assertThat(a.getGroupByList()).containsExactly(2);
    assertThat(a.getCallsList()).extracting(AggregateCall::getKind)
        .containsExactly(AggregateCall.Kind.COUNT_STAR, AggregateCall.Kind.SUM);
    // SUM of DECIMAL(10, 2) is a DECIMAL(19, 2) (TesseraTypeSystem), on the shards too.
    assertThat(a.getCalls(1).getArgument()).isEqualTo(3);
    assertThat(a.getCalls(1).getType()).isEqualTo(ColumnType.DECIMAL);
    assertThat(a.getCalls(1).getPrecision()).isEqualTo(19);
    assertThat(a.getCalls(1).getScale()).isEqualTo(2);
    assertThat(spec.outputTypes()).containsExactly(ColumnType.VARCHAR, ColumnType.BIGINT,
        ColumnType.DECIMAL);
    assertThat(spec.sorted()).isFalse();
  }

  @Test void aGlobalCountIsPushedAndSummed() throws Exception {
    assertThat(planner.explain("SELECT COUNT(*) FROM ORDERS")).contains(
        "EnumerableAggregate(group=[{}], EXPR$0=[$SUM0($0)])",
        "ShardAggregate(group=[{}], EXPR$0=[COUNT()])");
    Aggregate a = pushed("SELECT COUNT(*) FROM ORDERS");
    assertThat(a.getGroupByCount()).isZero();
    assertThat(a.getCallsList()).extracting(AggregateCall::getKind)
        .containsExactly(AggregateCall.Kind.COUNT_STAR);
  }

  @Test void filtersStayPushedBelowThePartialAggregate() throws Exception {
    String plan = planner.explain("SELECT STATUS, COUNT(*) FROM ORDERS WHERE CUSTOMER > 3"
        + " GROUP BY STATUS HAVING COUNT(*) > 1 ORDER BY 2 DESC");
    assertThat(plan).contains("EnumerableSort", "EnumerableCalc",
        "    EnumerableAggregate(group=[{0}], EXPR$1=[$SUM0($1)])\n"
            + "      ShardToEnumerableConverter\n"
            + "        ShardAggregate(group=[{2}], EXPR$1=[COUNT()])\n"
            + "          ShardFilter(condition=[>($1, 3)])");
  }

  @Test void averagesArePushedAsSumAndCount() throws Exception {
    String sql = "SELECT STATUS, AVG(AMOUNT), AVG(CUSTOMER) FROM ORDERS GROUP BY STATUS";
    assertThat(planner.explain(sql)).contains(
        "ShardAggregate(group=[{2}], $f1=[SUM($3)], $f2=[COUNT($3)], $f3=[SUM($1)], $f4=[COUNT()])");
    assertThat(pushed(sql).getCallsList()).extracting(AggregateCall::getKind).containsExactly(
        AggregateCall.Kind.SUM, AggregateCall.Kind.COUNT, AggregateCall.Kind.SUM,
        AggregateCall.Kind.COUNT_STAR);
  }

  @Test void minMaxOfDatetimesAndStringsAndGroupsOfTwoColumns() throws Exception {
    String sql = "SELECT CUSTOMER, STATUS, MIN(CREATED), MAX(NOTE) FROM ORDERS WHERE AMOUNT > 5"
        + " GROUP BY CUSTOMER, STATUS";
    assertThat(planner.explain(sql)).contains(
        "EnumerableAggregate(group=[{0, 1}], EXPR$2=[MIN($2)], EXPR$3=[MAX($3)])",
        "ShardAggregate(group=[{1, 2}], EXPR$2=[MIN($4)], EXPR$3=[MAX($5)])", "ShardFilter");
  }

  @Test void distinctIsDeduplicatedOnTheShardsFirst() throws Exception {
    // The final aggregate must stay: several shards may send the same group.
    assertThat(planner.explain("SELECT DISTINCT STATUS FROM ORDERS")).contains(
        "EnumerableAggregate(group=[{0}])\n"
            + "  ShardToEnumerableConverter\n"
            + "    ShardAggregate(group=[{2}])");
    // COUNT(DISTINCT) is not split, but Calcite's rewrite of it deduplicates on the shards.
    assertThat(planner.explain(
        "SELECT STATUS, COUNT(DISTINCT CUSTOMER) FROM ORDERS GROUP BY STATUS")).contains(
        "EnumerableAggregate(group=[{1}], EXPR$1=[COUNT($0)])\n"
            + "  EnumerableAggregate(group=[{0, 1}])\n"
            + "    ShardToEnumerableConverter\n"
            + "      ShardAggregate(group=[{1, 2}])");
  }

  @Test void whatTheShardsCannotComputeStaysInTheFrontend() throws Exception {
    assertThat(planner.explain("SELECT UPPER(STATUS), COUNT(*) FROM ORDERS GROUP BY UPPER(STATUS)"))
        .contains("EnumerableAggregate(group=[{0}], EXPR$1=[COUNT()])", "UPPER")
        .doesNotContain("ShardAggregate");
    assertThat(planner.explain(
        "SELECT STATUS, SUM(AMOUNT) FILTER (WHERE CUSTOMER > 2) FROM ORDERS GROUP BY STATUS"))
        .contains("EnumerableAggregate(group=[{0}], EXPR$1=[SUM($1) FILTER $2])")
        .doesNotContain("ShardAggregate");
  }

  @Test void statisticalFunctionsArePushedAsTheSumsCalciteReducesThemTo() throws Exception {
    assertThat(planner.explain("SELECT STATUS, STDDEV_POP(CUSTOMER) FROM ORDERS GROUP BY STATUS"))
        .contains("ShardAggregate(group=[{0}], $f1=[SUM($2)], $f2=[SUM($1)], $f3=[COUNT()])",
            "POWER");
  }

  @Test void groupsOfPushedExpressionsArePartialButUniqueKeysAreNot() throws Exception {
    assertThat(planner.explain("SELECT MOD(CUSTOMER, 4), COUNT(*) FROM ORDERS"
        + " GROUP BY MOD(CUSTOMER, 4)")).contains(
        "ShardAggregate(group=[{0}], EXPR$1=[COUNT()])", "ShardProject");
    // One group per row: the shards would only hold every row and send it back.
    assertThat(planner.explain("SELECT ID, COUNT(*) FROM ORDERS GROUP BY ID"))
        .doesNotContain("ShardAggregate");
  }

  @Test void parametersInTheFilterStayBoundAtExecution() throws Exception {
    String sql = "SELECT COUNT(*), SUM(QTY) FROM LINES WHERE ORDER_ID = ?";
    assertThat(planner.explain(sql)).contains(
        "ShardAggregate(group=[{}], EXPR$0=[COUNT()], EXPR$1=[SUM($3)])",
        "ShardFilter(condition=[=($0, ?0)])");
  }

  @Test void globalAggregatesOfTablesWithoutPrimaryKeyArePushed() throws Exception {
    String sql = "SELECT SUM(V), MIN(NAME), MAX(V) FROM EVENTS";
    assertThat(planner.explain(sql)).contains(
        "EnumerableAggregate(group=[{}], EXPR$0=[SUM($0)], EXPR$1=[MIN($1)], EXPR$2=[MAX($2)])",
        "ShardAggregate(group=[{}], EXPR$0=[SUM($1)], EXPR$1=[MIN($0)], EXPR$2=[MAX($1)])");
    ScanSpec spec = planner.queries(sql).get(0).bind(Params.UNBOUND);
    assertThat(spec.outputTypes()).containsExactly(ColumnType.DOUBLE, ColumnType.VARCHAR,
        ColumnType.DOUBLE);
  }
}
