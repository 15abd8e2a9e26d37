package io.tessera.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.io.TempDir;

/** A local: cluster keeps tables and rows in its directory across stops and starts. */
class LocalUrlPersistsAcrossRestartTest {

    @TempDir
    Path dir;

    @Test
    void rowsSurviveAStopAndStartOfTheEmbeddedCluster() throws Exception {
        String url = "jdbc:tessera:local:" + dir;
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100))");
            s.executeUpdate("INSERT INTO notes VALUES (1, 'kept'), (2, 'also kept')");
        }
        assertThat(EmbeddedClusters.shutdown(url)).isTrue();
        assertThat(EmbeddedClusters.isRunning(url)).isFalse();
        assertThat(Files.isDirectory(dir.resolve("zk"))).isTrue();
        assertThat(Files.isDirectory(dir.resolve("node-1"))).isTrue();

        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, body FROM notes ORDER BY id")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getInt(1) + "=" + rs.getString(2));
            }
            assertThat(rows).containsExactly("1=kept", "2=also kept");
        } finally {
            EmbeddedClusters.shutdown(url);
        }
    }

    @Test
    void embeddedClusterRestartedOnTheSameDirectoryIsReachableByItsRemoteUrl() throws Exception {
        Path data = dir.resolve("direct");
        try (EmbeddedCluster cluster = EmbeddedCluster.builder().dataDir(data).nodes(2).start();
             Connection c = DriverManager.getConnection(cluster.jdbcUrl());
             Statement s = c.createStatement()) {
            assertThat(cluster.jdbcUrl()).startsWith("jdbc:tessera://127.0.0.1:").endsWith("/default");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            s.executeUpdate("INSERT INTO t VALUES (7)");
        }
        try (EmbeddedCluster cluster = EmbeddedCluster.builder().dataDir(data).nodes(2).start();
             Connection c = DriverManager.getConnection(cluster.jdbcUrl())) {
            assertThat(ConnectionsToOneMemUrlShareDataTest.count(c, "t")).isEqualTo(1);
        }
    }

    @Test
    void shutdownOfAnUnknownClusterSaysSo() throws SQLException {
        assertThat(EmbeddedClusters.shutdown("jdbc:tessera:local:" + dir.resolve("never-started"))).isFalse();
    }
}
