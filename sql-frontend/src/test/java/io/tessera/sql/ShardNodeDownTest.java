package io.tessera.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.sql.route.FailoverBudget;
import io.tessera.sql.testing.LocalClusterFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A query that needs a shard whose only replica is on a stopped node fails with 08006, once the
 * connection's failover budget is spent.
 */
class ShardNodeDownTest {
  @Test void scanOfAShardOnADownNodeIsAConnectionFailure() throws Exception {
    Properties shortBudget = new Properties();
    shortBudget.setProperty(FailoverBudget.PROPERTY, "1500");
    try (LocalClusterFixture cluster = LocalClusterFixture.start(3);
        Connection c = cluster.connect(shortBudget);
        Statement s = c.createStatement()) {
      // One replica per shard: nothing can take over from the stopped node.
      s.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)) SHARDS 6 REPLICAS 1");
      s.executeUpdate("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')");
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(5);
      }
      String down = cluster.nodes().get(1).nodeId();
      cluster.stopNode(1);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
          rs.next();
        }
      }).isInstanceOf(SQLException.class)
          .satisfies(e -> {
            assertThat(((SQLException) e).getSQLState()).isEqualTo("08006");
            assertThat(e.getMessage()).contains("shard").contains(down);
          });
      // It followed the route for the budget, not for ever.
      assertThat(System.nanoTime() - t0).isLessThan(java.util.concurrent.TimeUnit.SECONDS
          .toNanos(20));
    }
  }
}
