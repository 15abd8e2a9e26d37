package io.tessera.sql.sys;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A dead node shows in SYS.NODES and SYS.SHARDS as such; querying them does not fail. */
class SysTablesShowADeadNodeTest {
  @Test void deadNodeIsNotLiveAndItsReplicasAreDown() throws Exception {
    try (LocalClusterFixture cluster = LocalClusterFixture.start(3);
        Connection c = cluster.connect()) {
      JdbcTesting.execute(c, "CREATE TABLE t (id INT PRIMARY KEY) SHARDS 6");
      String dead = cluster.nodes().get(1).nodeId();
      cluster.stopNode(1);
      long deadline = System.nanoTime() + 15_000_000_000L;
      List<List<Object>> nodes;
      do {
        nodes = JdbcTesting.query(c, "SELECT live, address FROM sys.nodes WHERE node_id = '"
            + dead + "'");
        Thread.sleep(50);
      } while (!nodes.isEmpty() && Boolean.TRUE.equals(nodes.get(0).get(0))
          && System.nanoTime() < deadline);
      // Still named by its shards (nothing replaced it yet), so still listed, as not live.
      assertThat(nodes).containsExactly(java.util.Arrays.asList(false, null));
      List<List<Object>> roles = JdbcTesting.query(c,
          "SELECT roles FROM sys.shards WHERE replicas LIKE '%" + dead + "%'");
      assertThat(roles).isNotEmpty()
          .allSatisfy(r -> assertThat((String) r.get(0)).contains(dead + " DOWN"));
    }
  }
}
