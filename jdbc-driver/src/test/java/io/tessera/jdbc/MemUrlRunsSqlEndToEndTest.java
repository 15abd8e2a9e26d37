package io.tessera.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The driver through {@link DriverManager} on {@code jdbc:tessera:mem:} clusters. */
class MemUrlRunsSqlEndToEndTest {

    @Test
    void driverManagerFindsTheRegisteredDriver() throws SQLException {
        Driver d = DriverManager.getDriver("jdbc:tessera:mem:lookup");
        assertThat(d).isInstanceOf(TesseraDriver.class);
        assertThat(d.acceptsURL("jdbc:tessera://zk:2181/db")).isTrue();
        assertThat(d.acceptsURL("jdbc:calcite:")).isFalse();
        assertThat(d.acceptsURL("jdbc:tessera:nonsense")).isFalse();
    }

    @Test
    void malformedTesseraUrlFailsWith08001() {
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:tessera://zk:notaport/db"))
                .isInstanceOf(SQLException.class)
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
    }

    @Test
    void createInsertSelectThroughDriverManager() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:tessera:mem:e2e", "sa", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, age INTEGER)");
                assertThat(s.executeUpdate("INSERT INTO people VALUES (1, 'Ada', 36), (2, 'Alan', 41)")).isEqualTo(2);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO people VALUES (?, ?, ?)")) {
                ps.setInt(1, 3);
                ps.setString(2, "Grace");
                ps.setInt(3, 85);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, name, age FROM people WHERE age > 40 ORDER BY id")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getInt(1) + ":" + rs.getString(2) + ":" + rs.getInt(3));
                }
                assertThat(rows).containsExactly("2:Alan:41", "3:Grace:85");
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM people")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(3);
            }
        }
    }
}
