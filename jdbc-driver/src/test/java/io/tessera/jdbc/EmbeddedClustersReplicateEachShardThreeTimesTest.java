package io.tessera.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Embedded clusters give each shard three replicas by default (fewer with fewer nodes), as seen
 * in SYS.SHARDS, and still run SQL; the failover budget is a connection parameter.
 */
class EmbeddedClustersReplicateEachShardThreeTimesTest {

    @Test
    void memClusterOfThreeNodesReplicatesEachShardOnAllThree() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:tessera:mem:rf3;close_delay=0")) {
            exec(c, "CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(10)) SHARDS 4");
            exec(c, "INSERT INTO kv VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            assertThat(strings(c, "SELECT v FROM kv ORDER BY k")).containsExactly("a", "b", "c");
            List<String> replicas = strings(c, "SELECT replicas FROM sys.shards WHERE table_name = 'KV'");
            assertThat(replicas).hasSize(4).allSatisfy(r -> assertThat(r.split(",")).hasSize(3));
            assertThat(strings(c, "SELECT node_id FROM sys.nodes WHERE live ORDER BY node_id"))
                    .containsExactly("node-1", "node-2", "node-3");
        }
    }

    @Test
    void replicasAreCappedByTheNumberOfNodes() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:tessera:mem:rf-two-nodes;nodes=2;close_delay=0")) {
            exec(c, "CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(10)) SHARDS 2");
            exec(c, "INSERT INTO kv VALUES (1, 'a')");
            assertThat(strings(c, "SELECT v FROM kv")).containsExactly("a");
            assertThat(strings(c, "SELECT replicas FROM sys.shards WHERE table_name = 'KV'"))
                    .hasSize(2).allSatisfy(r -> assertThat(r.split(",")).hasSize(2));
        }
    }

    @Test
    void localClusterWithThreeReplicasKeepsItsRowsAcrossARestart() throws Exception {
        Path dir = Files.createTempDirectory("tessera-rf3-");
        String url = "jdbc:tessera:local:" + dir + ";close_delay=0;durability=memory";
        try (Connection c = DriverManager.getConnection(url)) {
            exec(c, "CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(10)) SHARDS 2");
            exec(c, "INSERT INTO kv VALUES (1, 'a'), (2, 'b')");
            assertThat(strings(c, "SELECT replicas FROM sys.shards WHERE table_name = 'KV'"))
                    .allSatisfy(r -> assertThat(r.split(",")).hasSize(3));
        }
        try (Connection c = DriverManager.getConnection(url)) {
            assertThat(strings(c, "SELECT v FROM kv ORDER BY k")).containsExactly("a", "b");
        }
        EmbeddedClusters.shutdown(url);
    }

    @Test
    void failoverBudgetIsAConnectionParameter() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:tessera:mem:budget;failoverTimeoutMs=5000")) {
            assertThat(strings(c, "SELECT COUNT(*) FROM sys.nodes")).containsExactly("3");
        }
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:tessera:mem:budget;failoverTimeoutMs=soon"))
                .isInstanceOf(SQLException.class)
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
        EmbeddedClusters.shutdown("jdbc:tessera:mem:budget");
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
