package io.tessera.sql.dml;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.rows;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.sql.jdbc.ClusterTestBase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** INSERT, UPDATE and DELETE through JDBC against a real in-process cluster. */
class WritesThroughJdbcTest extends ClusterTestBase {

  @Test void insertSelectUpdateDeleteRoundTrip() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(20) NOT NULL,"
          + " amount DECIMAL(10, 2), note VARCHAR(5) DEFAULT 'n/a')");
      assertThat(update(c, "INSERT INTO orders (id, customer, amount) VALUES"
          + " (1, 'ann', 10.50), (2, 'bob', 20), (3, 'cy', 30)")).isEqualTo(3);
      assertThat(query(c, "SELECT id, customer, amount, note FROM orders ORDER BY id"))
          .containsExactly(
              List.of(1, "ann", new BigDecimal("10.50"), "n/a"),
              List.of(2, "bob", new BigDecimal("20.00"), "n/a"),
              List.of(3, "cy", new BigDecimal("30.00"), "n/a"));

      assertThat(update(c, "UPDATE orders SET amount = amount + 1, note = 'x' WHERE id >= 2"))
          .isEqualTo(2);
      assertThat(query(c, "SELECT id, amount, note FROM orders ORDER BY id")).containsExactly(
          List.of(1, new BigDecimal("10.50"), "n/a"),
          List.of(2, new BigDecimal("21.00"), "x"),
          List.of(3, new BigDecimal("31.00"), "x"));

      // Changing the primary key moves the row (DELETE old key + INSERT new row).
      assertThat(update(c, "UPDATE orders SET id = id + 10 WHERE id = 1")).isEqualTo(1);
      assertThat(query(c, "SELECT id, customer FROM orders ORDER BY id")).containsExactly(
          List.of(2, "bob"), List.of(3, "cy"), List.of(11, "ann"));

      assertThat(update(c, "DELETE FROM orders WHERE customer = 'bob'")).isEqualTo(1);
      assertThat(update(c, "DELETE FROM orders WHERE customer = 'nobody'")).isEqualTo(0);
      assertThat(query(c, "SELECT id FROM orders ORDER BY id"))
          .containsExactly(List.of(3), List.of(11));
      execute(c, "DROP TABLE orders");
    }
  }

  @Test void insertSelectCopiesRowsBetweenTables() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE src (k BIGINT PRIMARY KEY, v VARCHAR(10))");
      execute(c, "CREATE TABLE dst (k BIGINT PRIMARY KEY, v VARCHAR(10)) SHARDS 2");
      update(c, "INSERT INTO src VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')");
      assertThat(update(c, "INSERT INTO dst SELECT k * 10, v FROM src WHERE k > 1"))
          .isEqualTo(3);
      assertThat(query(c, "SELECT k, v FROM dst ORDER BY k")).containsExactly(
          List.of(20L, "b"), List.of(30L, "c"), List.of(40L, "d"));
      execute(c, "DROP TABLE src");
      execute(c, "DROP TABLE dst");
    }
  }

  @Test void duplicatePrimaryKeyIs23505AndLeavesNothingOfTheShardBatch() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE dup (id INT PRIMARY KEY, v INT) SHARDS 1");
      update(c, "INSERT INTO dup VALUES (1, 1)");
      assertThatThrownBy(() -> update(c, "INSERT INTO dup VALUES (2, 2), (3, 3), (1, 9)"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
      // One shard: its batch was applied all or nothing.
      assertThat(query(c, "SELECT id, v FROM dup ORDER BY id")).containsExactly(List.of(1, 1));
      execute(c, "DROP TABLE dup");
    }
  }

  @Test void constraintViolationsHaveTheirSqlStates() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE chk (id INT PRIMARY KEY, name VARCHAR(5) NOT NULL,"
          + " small TINYINT, price DECIMAL(4, 1))");
      assertThat(stateOf(() -> update(c, "INSERT INTO chk (id) VALUES (1)")))
          .isEqualTo("23502");
      assertThat(stateOf(() -> update(c, "INSERT INTO chk VALUES (1, CAST(NULL AS VARCHAR(5)),"
          + " 1, 1)"))).isEqualTo("23502");
      assertThat(stateOf(() -> update(c, "INSERT INTO chk VALUES (1, 'much too long', 1, 1)")))
          .isEqualTo("22001");
      assertThat(stateOf(() -> update(c, "INSERT INTO chk VALUES (1, 'ok', 1, 12345.6)")))
          .isEqualTo("22003");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO chk VALUES (?, ?, ?, ?)")) {
        ps.setInt(1, 1);
        ps.setString(2, "toolong");
        ps.setInt(3, 1);
        ps.setBigDecimal(4, BigDecimal.ONE);
        assertThat(stateOf(ps::executeUpdate)).isEqualTo("22001");
        ps.setString(2, "fine");
        ps.setInt(3, 1000);
        assertThat(stateOf(ps::executeUpdate)).isEqualTo("22003");
      }
      assertThat(query(c, "SELECT COUNT(*) FROM chk")).containsExactly(List.of(0L));
      execute(c, "DROP TABLE chk");
    }
  }

  @Test void tableWithoutPrimaryKeyGetsHiddenRowIds() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE events (msg VARCHAR(20), level INT)");
      try (Statement s = c.createStatement()) {
        assertThat(s.executeUpdate("INSERT INTO events VALUES ('a', 1), ('a', 1), ('b', 2)",
            Statement.RETURN_GENERATED_KEYS)).isEqualTo(3);
        try (ResultSet keys = s.getGeneratedKeys()) {
          List<List<Object>> ids = rows(keys);
          assertThat(ids).hasSize(3);
          assertThat(ids.stream().map(r -> r.get(0)).distinct()).hasSize(3);
        }
      }
      assertThat(query(c, "SELECT * FROM events ORDER BY msg"))
          .containsExactly(List.of("a", 1), List.of("a", 1), List.of("b", 2));
      assertThat(update(c, "UPDATE events SET level = 5 WHERE msg = 'a'")).isEqualTo(2);
      assertThat(query(c, "SELECT msg, level FROM events ORDER BY msg, level"))
          .containsExactly(List.of("a", 5), List.of("a", 5), List.of("b", 2));
      assertThat(update(c, "DELETE FROM events WHERE level = 5")).isEqualTo(2);
      assertThat(query(c, "SELECT msg FROM events")).containsExactly(List.of("b"));
      execute(c, "DROP TABLE events");
    }
  }

  @Test void preparedStatementBatchesAndReuse() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(10))");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv (k, v) VALUES (?, ?)")) {
        for (int i = 0; i < 50; i++) {
          ps.setInt(1, i);
          ps.setString(2, "v" + i);
          ps.addBatch();
        }
        int[] counts = ps.executeBatch();
        assertThat(counts).hasSize(50).containsOnly(1);
        // The same statement again, with new parameters.
        ps.setInt(1, 100);
        ps.setString(2, "hundred");
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT v FROM kv WHERE k = ?")) {
        for (int k : new int[] {3, 49, 100}) {
          ps.setInt(1, k);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rows(rs)).containsExactly(List.of(k == 100 ? "hundred" : "v" + k));
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE kv SET v = ? WHERE k = ?")) {
        ps.setString(1, "changed");
        ps.setInt(2, 7);
        assertThat(ps.executeUpdate()).isEqualTo(1);
        ps.setInt(2, 8);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      assertThat(query(c, "SELECT COUNT(*) FROM kv WHERE v = 'changed'"))
          .containsExactly(List.of(2L));
      try (Statement s = c.createStatement()) {
        s.addBatch("INSERT INTO kv VALUES (200, 'x')");
        s.addBatch("DELETE FROM kv WHERE k < 10");
        assertThat(s.executeBatch()).containsExactly(1, 10);
      }
      assertThat(query(c, "SELECT COUNT(*) FROM kv")).containsExactly(List.of(42L));
      execute(c, "DROP TABLE kv");
    }
  }

  @Test void anUpdateByAStringKeyParameterReadsOneShardAndStillChecksTheNewValue()
      throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE users (name VARCHAR(20) PRIMARY KEY, v VARCHAR(5)) SHARDS 4");
      update(c, "INSERT INTO users VALUES ('ann', 'a'), ('bob', 'b')");
      String sql = "UPDATE users SET v = ? WHERE name = ?";
      try (PreparedStatement explain = c.prepareStatement("EXPLAIN PLAN FOR " + sql)) {
        explain.setString(1, "z");
        explain.setString(2, "bob");
        try (ResultSet rs = explain.executeQuery()) {
          assertThat(rs.next()).isTrue();
          // The WHERE parameter is pushed down as a key: not a scan of every shard per UPDATE.
          assertThat(rs.getString(1)).contains("shards=[<=1 of 4]", "index=[PRIMARY KEY]");
        }
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, "z");
        ps.setString(2, "bob");
        assertThat(ps.executeUpdate()).isEqualTo(1);
        ps.setString(1, "too long");
        ps.setString(2, "ann");
        assertThatThrownBy(ps::executeUpdate).isInstanceOf(SQLException.class)
            .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22001");
      }
      assertThat(query(c, "SELECT name, v FROM users ORDER BY name"))
          .containsExactly(List.of("ann", "a"), List.of("bob", "z"));
      execute(c, "DROP TABLE users");
    }
  }

  @Test void generatedKeysOfDeclaredKeysAndNamedColumns() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(10))");
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO people (id, name) VALUES (?, ?)", new String[] {"ID"})) {
        ps.setInt(1, 7);
        ps.setString(2, "sam");
        assertThat(ps.executeUpdate()).isEqualTo(1);
        try (ResultSet keys = ps.getGeneratedKeys()) {
          assertThat(rows(keys)).containsExactly(List.of(7));
        }
      }
      try (Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE people SET name = 'x'");
        try (ResultSet keys = s.getGeneratedKeys()) {
          assertThat(keys.next()).isFalse();
        }
      }
      execute(c, "DROP TABLE people");
    }
  }

  @Test void manualCommitModeCommitsAndRollsBack() throws SQLException {
    try (Connection c = connect()) {
      assertThat(c.getAutoCommit()).isTrue();
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      execute(c, "CREATE TABLE ac (id INT PRIMARY KEY)");
      update(c, "INSERT INTO ac VALUES (1)");
      c.commit();
      c.rollback(); // nothing written since the commit: nothing to roll back
      update(c, "INSERT INTO ac VALUES (2)");
      c.rollback();
      assertThat(query(c, "SELECT id FROM ac ORDER BY id")).containsExactly(List.of(1));
      c.setAutoCommit(true);
      execute(c, "DROP TABLE ac");
    }
  }
}
