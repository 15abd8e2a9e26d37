package io.tessera.sql.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.exec.ScanSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A predicate on one side of a join equality is inferred for the other side and pushed to its
 * shard scan (the benchmark's {@code bench_item i JOIN bench_detail d ON d.item_id = i.id WHERE
 * i.id = ?}, here ORDERS and LINES, whose primary key starts with its shard key ORDER_ID).
 */
class TransitiveJoinPredicateTest {
  private static final String JOIN = "SELECT o.STATUS, l.LINE, l.QTY FROM ORDERS o"
      + " JOIN LINES l ON l.ORDER_ID = o.ID WHERE o.ID = ";

  private static PlannerHarness planner;

  @BeforeAll static void setUp() throws Exception {
    planner = new PlannerHarness(TestTables.orders(), TestTables.lines(), TestTables.events());
  }

  @AfterAll static void tearDown() throws Exception {
    planner.close();
  }

  @Test void literalOnTheJoinKeyIsPushedToBothScans() throws Exception {
    String plan = planner.explain(JOIN + "5");
    assertThat(plan).contains(
        "ShardTableScan(table=[[PUBLIC, ORDERS]], shards=[1 of 8], shardKey=[[5]],"
            + " index=[PRIMARY KEY], range=[[5..5]])",
        "ShardTableScan(table=[[PUBLIC, LINES]], shards=[1 of 4], shardKey=[[5]],"
            + " index=[PRIMARY KEY], range=[[5..5]])");
    assertThat(plan.split("ShardFilter\\(condition=\\[=\\(\\$0, 5\\)\\]\\)", -1)).hasSize(3);

    List<ShardQuery> queries = planner.queries(JOIN + "5");
    assertThat(queries).hasSize(2);
    for (ShardQuery q : queries) {
      ScanSpec spec = q.bind(Params.UNBOUND);
      assertThat(spec.shardKeys()).hasSize(1);
      assertThat(spec.shardKeys().get(0)).containsExactly(5L);
      assertThat(spec.request().getLower().getValues(0).getLongValue()).isEqualTo(5L);
      assertThat(spec.request().getUpper()).isEqualTo(spec.request().getLower());
      assertThat(spec.request().getIndexId()).isZero();
    }
  }

  @Test void parameterOnTheJoinKeyIsPushedToBothScans() throws Exception {
    String plan = planner.explain(JOIN + "?");
    assertThat(plan).contains(
        "ShardTableScan(table=[[PUBLIC, ORDERS]], shards=[<=1 of 8], shardKey=[[?0]],"
            + " index=[PRIMARY KEY], range=[[?0..?0]])",
        "ShardTableScan(table=[[PUBLIC, LINES]], shards=[<=1 of 4], shardKey=[[?0]],"
            + " index=[PRIMARY KEY], range=[[?0..?0]])");
    assertThat(plan.split("ShardFilter\\(condition=\\[=\\(\\$0, \\?0\\)\\]\\)", -1)).hasSize(3);

    List<ShardQuery> queries = planner.queries(JOIN + "?");
    assertThat(queries).hasSize(2);
    for (ShardQuery q : queries) {
      ScanSpec spec = q.bind(Map.of(0, (Object) 77L)::get);
      assertThat(spec.shardKeys()).hasSize(1);
      assertThat(spec.shardKeys().get(0)).containsExactly(77L);
      assertThat(spec.request().getLower().getValues(0).getLongValue()).isEqualTo(77L);
      assertThat(spec.request().getUpper()).isEqualTo(spec.request().getLower());
    }
  }

  @Test void inferredPredicateChoosesASecondaryIndex() throws Exception {
    // CUSTOMER is not ORDERS' shard key but has an index: the inferred CUSTOMER = 3 uses it.
    String plan = planner.explain("SELECT o.ID, l.LINE FROM LINES l JOIN ORDERS o"
        + " ON o.CUSTOMER = l.QTY WHERE l.QTY = 3");
    assertThat(plan).contains("ORDERS_BY_CUSTOMER", "range=[[3..3]]");
  }
}
