package io.tessera.sql.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.KeyBound;
import io.tessera.sql.exec.ScanSpec;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Equalities on the shard key prune shards; key predicates choose an index and its range. */
class ShardPruningAndIndexSelectionTest {
  private static PlannerHarness planner;

  @BeforeAll static void setUp() throws Exception {
    planner = new PlannerHarness(TestTables.orders(), TestTables.lines(), TestTables.events());
  }

  @AfterAll static void tearDown() throws Exception {
    planner.close();
  }

  @Test void equalityOnTheShardKeyTargetsOneShardAndIsAPointLookup() throws Exception {
    String plan = planner.explain("SELECT STATUS FROM ORDERS WHERE ID = 5");
    assertThat(plan).contains("shards=[1 of 8]", "shardKey=[[5]]", "index=[PRIMARY KEY]",
        "range=[[5..5]]");
    ScanSpec spec = planner.queries("SELECT STATUS FROM ORDERS WHERE ID = 5").get(0)
        .bind(Params.UNBOUND);
    assertThat(spec.shardKeys()).hasSize(1);
    assertThat(spec.shardKeys().get(0)).containsExactly(5L);
    KeyBound lower = spec.request().getLower();
    assertThat(lower.getValues(0).getLongValue()).isEqualTo(5L);
    assertThat(lower.getInclusive()).isTrue();
    assertThat(spec.request().getUpper()).isEqualTo(lower);
    assertThat(spec.request().getIndexId()).isZero();
  }

  @Test void inListTargetsTheOwnersOfItsValues() throws Exception {
    String plan = planner.explain("SELECT STATUS FROM ORDERS WHERE ID IN (1, 2, 3)");
    assertThat(plan).containsPattern("shards=\\[[123] of 8\\]");
    assertThat(plan).contains("shardKey=[[1, 2, 3]]");
  }

  @Test void parametersPruneAtExecutionTime() throws Exception {
    String sql = "SELECT STATUS FROM ORDERS WHERE ID = ?";
    assertThat(planner.explain(sql)).contains("shards=[<=1 of 8]", "shardKey=[[?0]]");
    ShardQuery q = planner.queries(sql).get(0);
    ScanSpec spec = q.bind(Map.of(0, (Object) 77)::get);
    assertThat(spec.shardKeys().get(0)).containsExactly(77L);
    assertThat(spec.request().getLower().getValues(0).getLongValue()).isEqualTo(77L);
  }

  @Test void orOfParameterEqualitiesPrunes() throws Exception {
    String sql = "SELECT STATUS FROM ORDERS WHERE ID = ? OR ID = ?";
    assertThat(planner.explain(sql)).contains("shardKey=[[?0, ?1]]");
  }

  @Test void compositeKeyNeedsEveryShardKeyColumn() throws Exception {
    // LINES is sharded by ORDER_ID alone: fixing it prunes, LINE only narrows the range.
    String plan = planner.explain("SELECT ITEM FROM LINES WHERE ORDER_ID = 9 AND LINE >= 2");
    assertThat(plan).contains("shards=[1 of 4]", "index=[PRIMARY KEY]", "range=[[9, 2..9]]");
    assertThat(planner.explain("SELECT ITEM FROM LINES WHERE LINE = 2"))
        .contains("shards=[4]").doesNotContain("index=");
  }

  @Test void secondaryIndexIsChosenForItsLeadingColumn() throws Exception {
    String plan = planner.explain("SELECT ID FROM ORDERS WHERE CUSTOMER = 12");
    assertThat(plan).contains("shards=[8]", "index=[ORDERS_BY_CUSTOMER]", "range=[[12..12]]");
    ScanSpec spec = planner.queries("SELECT ID FROM ORDERS WHERE CUSTOMER = 12").get(0)
        .bind(Params.UNBOUND);
    assertThat(spec.request().getIndexId()).isEqualTo(1);
    // The node re-checks the whole filter.
    assertThat(spec.request().getFragment().hasFilter()).isTrue();
  }

  @Test void rangeOnThePrimaryKeyBoundsTheScan() throws Exception {
    String plan = planner.explain("SELECT STATUS FROM ORDERS WHERE ID > 10 AND ID <= 20");
    assertThat(plan).contains("shards=[8]", "index=[PRIMARY KEY]", "range=[(10..20]]");
    plan = planner.explain("SELECT STATUS FROM ORDERS WHERE ID BETWEEN 10 AND 20");
    assertThat(plan).contains("range=[[10..20]]");
  }

  @Test void noKeyPredicateScansEverything() throws Exception {
    String plan = planner.explain("SELECT ID FROM ORDERS WHERE STATUS = 'x'");
    assertThat(plan).contains("shards=[8]").doesNotContain("index=", "shardKey=");
  }
}
