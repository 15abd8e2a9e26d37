package io.tessera.sql.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.Op;
import io.tessera.sql.exec.ScanSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which operators the planner pushes into the shard fragment, and what stays in Calcite. */
class PushDownPlanTest {
  private static PlannerHarness planner;

  @BeforeAll static void setUp() throws Exception {
    planner = new PlannerHarness(TestTables.orders(), TestTables.lines(), TestTables.events());
  }

  @AfterAll static void tearDown() throws Exception {
    planner.close();
  }

  @Test void filterAndProjectionRunOnTheShards() throws Exception {
    String plan = planner.explain(
        "SELECT ID, AMOUNT * 2 FROM ORDERS WHERE STATUS = 'open' AND AMOUNT > 10");
    assertThat(plan).contains("ShardToEnumerableConverter", "ShardProject", "ShardFilter",
        "ShardTableScan(table=[[PUBLIC, ORDERS]], shards=[8])");
    assertThat(plan).doesNotContain("EnumerableCalc", "EnumerableFilter");

    ScanSpec spec = planner.queries(
        "SELECT ID, AMOUNT * 2 FROM ORDERS WHERE STATUS = 'open' AND AMOUNT > 10")
        .get(0).bind(Params.UNBOUND);
    Fragment f = spec.request().getFragment();
    assertThat(f.getFilter().getCall().getOp()).isEqualTo(Op.AND);
    assertThat(f.getProjectionsCount()).isEqualTo(2);
    assertThat(f.getProjections(1).getCall().getOp()).isEqualTo(Op.TIMES);
    assertThat(spec.shardKeys()).isNull();
  }

  @Test void untranslatableConjunctsStayAboveTheShards() throws Exception {
    String plan = planner.explain(
        "SELECT ID FROM ORDERS WHERE UPPER(STATUS) = 'OPEN' AND CUSTOMER = 3");
    assertThat(plan).contains("EnumerableCalc", "UPPER", "ShardFilter(condition=[=($1, 3)])");
  }

  @Test void untranslatableProjectionsAreComputedFromPushedColumns() throws Exception {
    String plan = planner.explain("SELECT UPPER(STATUS), CUSTOMER + 1 FROM ORDERS");
    assertThat(plan).contains("EnumerableCalc", "UPPER", "ShardProject");
    List<ShardQuery> queries = planner.queries("SELECT UPPER(STATUS), CUSTOMER + 1 FROM ORDERS");
    Fragment f = queries.get(0).bind(Params.UNBOUND).request().getFragment();
    assertThat(f.getProjectionsCount()).isEqualTo(2);
  }

  @Test void orderByLimitOffsetIsPushedWithFetchPlusOffset() throws Exception {
    String sql = "SELECT ID, STATUS FROM ORDERS WHERE CUSTOMER > 5 ORDER BY ID DESC"
        + " LIMIT 10 OFFSET 5";
    String plan = planner.explain(sql);
    assertThat(plan).contains("ShardSort(sort0=[$0], dir0=[DESC], offset=[5], fetch=[10])",
        "ShardProject(ID=[$0], STATUS=[$2])");
    assertThat(plan).doesNotContain("EnumerableSort", "EnumerableLimit", "EnumerableCalc");
    ScanSpec spec = planner.queries(sql).get(0).bind(Params.UNBOUND);
    assertThat(spec.request().getFragment().getLimit()).isEqualTo(15);
    assertThat(spec.request().getFragment().getSort(0).getDescending()).isTrue();
    assertThat(spec.request().getFragment().getSort(0).getNullsFirst()).isTrue();
    assertThat(spec.outputTypes()).hasSize(2);
    assertThat(spec.offset()).isEqualTo(5);
    assertThat(spec.fetch()).isEqualTo(10);
    assertThat(spec.sorted()).isTrue();
  }

  @Test void limitWithParametersIsBoundAtExecution() throws Exception {
    String sql = "SELECT ID FROM ORDERS ORDER BY ID LIMIT ? OFFSET ?";
    ShardQuery q = planner.queries(sql).get(0);
    ScanSpec spec = q.bind(Map.of(0, (Object) 3, 1, (Object) 4)::get);
    assertThat(spec.request().getFragment().getLimit()).isEqualTo(7);
    assertThat(spec.offset()).isEqualTo(4);
    assertThat(spec.fetch()).isEqualTo(3);
  }

  @Test void aggregatesArePartiallyComputedOnTheShardsOverPushedFilters() throws Exception {
    String plan = planner.explain(
        "SELECT STATUS, COUNT(*), SUM(AMOUNT) FROM ORDERS WHERE CUSTOMER = 3 GROUP BY STATUS");
    assertThat(plan).contains("EnumerableAggregate", "ShardAggregate", "ShardFilter",
        "index=[ORDERS_BY_CUSTOMER]");
  }

  @Test void countStarIsCountedOnTheShards() throws Exception {
    assertThat(planner.explain("SELECT COUNT(*) FROM ORDERS"))
        .contains("EnumerableAggregate", "ShardAggregate(group=[{}], EXPR$0=[COUNT()])");
    assertThat(planner.explain("SELECT COUNT(*) FROM ORDERS WHERE STATUS = 'x'"))
        .contains("ShardAggregate(group=[{}], EXPR$0=[COUNT()])", "ShardFilter");
  }

  @Test void joinsRunInTheFrontendOverTwoShardScans() throws Exception {
    String sql = "SELECT o.ID, l.ITEM FROM ORDERS o JOIN LINES l ON o.ID = l.ORDER_ID"
        + " WHERE o.ID = 42";
    String plan = planner.explain(sql);
    assertThat(plan).contains("Join", "ShardTableScan(table=[[PUBLIC, ORDERS]], shards=[1 of 8]",
        "ShardTableScan(table=[[PUBLIC, LINES]]");
  }

  @Test void hiddenRowIdIsNotVisible() throws Exception {
    String plan = planner.explain("SELECT * FROM EVENTS");
    assertThat(plan).contains("ShardTableScan(table=[[PUBLIC, EVENTS]], shards=[4])");
    ScanSpec spec = planner.queries("SELECT * FROM EVENTS").get(0).bind(Params.UNBOUND);
    // Explicit projections drop the hidden row id the node would otherwise return.
    assertThat(spec.request().getFragment().getProjectionsCount()).isEqualTo(2);
    assertThat(spec.outputTypes()).hasSize(2);
  }
}
