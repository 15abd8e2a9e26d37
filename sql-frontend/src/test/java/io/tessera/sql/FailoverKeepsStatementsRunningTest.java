package io.tessera.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With three replicas per shard, stopping a node costs a failover, not an error: reads and
 * writes that need its primaries follow the route to the promoted followers, and every
 * acknowledged row is still there.
 */
class FailoverKeepsStatementsRunningTest {
  @Test void readsAndWritesFollowThePrimariesOfAStoppedNode() throws Exception {
    try (LocalClusterFixture cluster = LocalClusterFixture.start(3);
        Connection c = cluster.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)) SHARDS 6 REPLICAS 3");
      for (int i = 1; i <= 30; i++) {
        s.executeUpdate("INSERT INTO t VALUES (" + i + ", 'v" + i + "')");
      }
      String stopped = cluster.nodes().get(1).nodeId();
      assertThat(JdbcTesting.query(c, "SELECT COUNT(*) FROM sys.shards WHERE table_name = 'T'"
          + " AND primary_node = '" + stopped + "'").get(0).get(0)).isNotEqualTo(0L);

      cluster.stopNode(1);

      // Straight away: these wait for the new primaries within the failover budget.
      for (int i = 31; i <= 60; i++) {
        assertThat(s.executeUpdate("INSERT INTO t VALUES (" + i + ", 'v" + i + "')"))
            .isEqualTo(1);
      }
      assertThat(JdbcTesting.query(c, "SELECT COUNT(*), MIN(id), MAX(id) FROM t"))
          .containsExactly(List.of(60L, 1, 60));
      assertThat(JdbcTesting.query(c, "SELECT v FROM t WHERE id = 17"))
          .containsExactly(List.of("v17"));
      assertThat(JdbcTesting.query(c, "SELECT COUNT(*) FROM sys.shards WHERE table_name = 'T'"
          + " AND primary_node = '" + stopped + "'").get(0).get(0)).isEqualTo(0L);
    }
  }
}
