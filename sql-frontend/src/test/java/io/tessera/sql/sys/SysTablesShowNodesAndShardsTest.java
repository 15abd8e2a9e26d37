package io.tessera.sql.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SYS.NODES, SYS.SHARDS and SYS.REPLICAS over a real cluster of three nodes. */
class SysTablesShowNodesAndShardsTest {
  private static LocalClusterFixture cluster;

  @BeforeAll static void start() throws Exception {
    cluster = LocalClusterFixture.start(3);
    try (Connection c = cluster.connect()) {
      JdbcTesting.execute(c, "CREATE TABLE accounts (id INT PRIMARY KEY, v INT) SHARDS 4");
      JdbcTesting.execute(c, "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(20)) SHARDS 2");
      JdbcTesting.execute(c, "INSERT INTO accounts VALUES (1, 10), (2, 20), (3, 30)");
    }
  }

  @AfterAll static void stop() {
    cluster.close();
  }

  @Test void sysShardsListsEveryShardWithItsEpochPrimaryAndSyncSet() throws SQLException {
    try (Connection c = cluster.connect()) {
      List<List<Object>> rows = JdbcTesting.query(c, "SELECT table_name, shard_ordinal, epoch,"
          + " primary_node, replicas, sync_set, roles FROM sys.shards"
          + " WHERE table_name IN ('ACCOUNTS', 'NOTES') ORDER BY table_name, shard_ordinal");
      assertThat(rows).hasSize(6);
      assertThat(rows).extracting(r -> r.get(0) + "/" + r.get(1)).containsExactly(
          "ACCOUNTS/0", "ACCOUNTS/1", "ACCOUNTS/2", "ACCOUNTS/3", "NOTES/0", "NOTES/1");
      for (List<Object> r : rows) {
        assertThat(((Number) r.get(2)).longValue()).isPositive();
        String primary = (String) r.get(3);
        assertThat(primary).startsWith("node-");
        assertThat(((String) r.get(4)).split(",")).contains(primary);
        assertThat(((String) r.get(5)).split(",")).contains(primary);
        assertThat((String) r.get(6)).startsWith(primary + " ");
      }
    }
  }

  @Test void sysNodesCountsTheReplicasAndPrimariesOfEachLiveNode() throws SQLException {
    try (Connection c = cluster.connect()) {
      List<List<Object>> nodes = JdbcTesting.query(c,
          "SELECT node_id, address, live, started_at, replicas, primaries FROM sys.nodes"
              + " ORDER BY node_id");
      assertThat(nodes).extracting(r -> r.get(0)).containsExactly("node-1", "node-2", "node-3");
      Map<String, Long> primaries = new TreeMap<>();
      for (List<Object> r : JdbcTesting.query(c,
          "SELECT primary_node, COUNT(*) FROM sys.shards GROUP BY primary_node")) {
        primaries.put((String) r.get(0), ((Number) r.get(1)).longValue());
      }
      for (List<Object> n : nodes) {
        assertThat((String) n.get(1)).startsWith("127.0.0.1:");
        assertThat(n.get(2)).isEqualTo(true);
        assertThat(n.get(3)).isNotNull();
        assertThat(((Number) n.get(4)).intValue()).isGreaterThanOrEqualTo(((Number) n.get(5))
            .intValue());
        assertThat(((Number) n.get(5)).longValue())
            .isEqualTo(primaries.getOrDefault((String) n.get(0), 0L));
      }
    }
  }

  @Test void sysReplicasHasOneRowPerReplica() throws SQLException {
    try (Connection c = cluster.connect()) {
      long replicas = JdbcTesting.query(c, "SELECT replicas FROM sys.shards").stream()
          .mapToLong(r -> ((String) r.get(0)).split(",").length).sum();
      List<List<Object>> rows = JdbcTesting.query(c,
          "SELECT shard_id, node_id, is_primary, live FROM sys.replicas");
      assertThat(rows).hasSize((int) replicas);
      assertThat(rows).allSatisfy(r -> assertThat(r.get(3)).isEqualTo(true));
    }
  }

  @Test void sysTablesAreSystemTablesNotUserTables() throws SQLException {
    try (Connection c = cluster.connect()) {
      DatabaseMetaData md = c.getMetaData();
      assertThat(tableNames(md, new String[] {"TABLE"})).contains("PUBLIC.ACCOUNTS")
          .noneMatch(n -> n.startsWith("SYS."));
      assertThat(tableNames(md, new String[] {"SYSTEM TABLE"}))
          .contains("SYS.NODES", "SYS.SHARDS", "SYS.REPLICAS");
      assertThat(tableNames(md, null)).contains("PUBLIC.ACCOUNTS", "SYS.SHARDS");
    }
  }

  @Test void sysTablesAreReadOnly() throws SQLException {
    try (Connection c = cluster.connect()) {
      assertThatThrownBy(() -> JdbcTesting.execute(c, "DELETE FROM sys.nodes"))
          .isInstanceOf(SQLException.class);
    }
  }

  private static List<String> tableNames(DatabaseMetaData md, String[] types)
      throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rs = md.getTables(null, null, "%", types)) {
      while (rs.next()) {
        names.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
      }
    }
    return names;
  }
}
