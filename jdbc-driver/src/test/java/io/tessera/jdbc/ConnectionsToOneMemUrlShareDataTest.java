package io.tessera.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** One embedded cluster per mem: name: shared by connections, separate between names. */
class ConnectionsToOneMemUrlShareDataTest {

    @Test
    void secondConnectionSeesFirstConnectionsRows() throws SQLException {
        try (Connection a = DriverManager.getConnection("jdbc:tessera:mem:shared");
             Connection b = DriverManager.getConnection("jdbc:tessera:mem:shared")) {
            try (Statement s = a.createStatement()) {
                s.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v VARCHAR(20))");
                s.executeUpdate("INSERT INTO kv VALUES (1, 'one'), (2, 'two')");
            }
            assertThat(count(b, "kv")).isEqualTo(2);
        }
    }

    @Test
    void dataOutlivesItsConnectionsByDefault() throws SQLException {
        try (Connection a = DriverManager.getConnection("jdbc:tessera:mem:outlives");
             Statement s = a.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            s.executeUpdate("INSERT INTO t VALUES (1), (2), (3)");
        }
        assertThat(EmbeddedClusters.isRunning("jdbc:tessera:mem:outlives")).isTrue();
        try (Connection b = DriverManager.getConnection("jdbc:tessera:mem:outlives")) {
            assertThat(count(b, "t")).isEqualTo(3);
        }
    }

    @Test
    void differentNamesAreDifferentDatabases() throws SQLException {
        try (Connection a = DriverManager.getConnection("jdbc:tessera:mem:iso_a");
             Connection b = DriverManager.getConnection("jdbc:tessera:mem:iso_b")) {
            try (Statement s = a.createStatement()) {
                s.execute("CREATE TABLE only_in_a (id INTEGER PRIMARY KEY)");
            }
            assertThat(count(a, "only_in_a")).isZero();
            assertThatThrownBy(() -> count(b, "only_in_a")).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void closeDelayZeroStopsTheClusterWithItsLastConnection() throws SQLException {
        String url = "jdbc:tessera:mem:short_lived;close_delay=0";
        Connection a = DriverManager.getConnection(url);
        Connection b = DriverManager.getConnection(url);
        assertThat(EmbeddedClusters.isRunning(url)).isTrue();
        a.close();
        assertThat(EmbeddedClusters.isRunning(url)).isTrue();
        b.close();
        assertThat(EmbeddedClusters.isRunning(url)).isFalse();
    }

    static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
