package io.tessera.sql.ddl;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.rows;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.jdbc.ClusterTestBase;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CREATE/DROP TABLE, INDEX and VIEW through JDBC against a real in-process cluster. */
class DdlThroughJdbcTest extends ClusterTestBase {

  @Test void createTableWithEveryTypeShowsInMetadataAndDrops() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE everything (id BIGINT PRIMARY KEY, b BOOLEAN, t TINYINT,"
          + " s SMALLINT, i INTEGER, d DECIMAL(12, 3), r REAL, f FLOAT, dbl DOUBLE,"
          + " ch CHAR(4), vc VARCHAR(30), tx TEXT, bn BINARY(4), vb VARBINARY(16), dt DATE,"
          + " tm TIME, ts TIMESTAMP NOT NULL DEFAULT TIMESTAMP '2020-01-01 00:00:00')"
          + " SHARDS 4");
      DatabaseMetaData md = c.getMetaData();
      List<String> names = new ArrayList<>();
      List<Integer> types = new ArrayList<>();
      try (ResultSet rs = md.getColumns(null, "PUBLIC", "EVERYTHING", null)) {
        while (rs.next()) {
          names.add(rs.getString("COLUMN_NAME"));
          types.add(rs.getInt("DATA_TYPE"));
        }
      }
      assertThat(names).containsExactly("ID", "B", "T", "S", "I", "D", "R", "F", "DBL", "CH",
          "VC", "TX", "BN", "VB", "DT", "TM", "TS");
      assertThat(types).containsExactly(Types.BIGINT, Types.BOOLEAN, Types.TINYINT,
          Types.SMALLINT, Types.INTEGER, Types.DECIMAL, Types.REAL, Types.DOUBLE, Types.DOUBLE,
          Types.CHAR, Types.VARCHAR, Types.VARCHAR, Types.BINARY, Types.VARBINARY, Types.DATE,
          Types.TIME, Types.TIMESTAMP);
      update(c, "INSERT INTO everything (id, b, t, s, i, d, r, f, dbl, ch, vc, tx, dt, tm)"
          + " VALUES (1, TRUE, 1, 2, 3, 4.5, 1.5, 2.5, 3.5, 'ab', 'vc', 'text',"
          + " DATE '2024-02-29', TIME '12:34:56')");
      assertThat(query(c, "SELECT id, b, vc, tx, CAST(dt AS VARCHAR(10)),"
          + " CAST(ts AS VARCHAR(30)) FROM everything"))
          .containsExactly(List.of(1L, true, "vc", "text", "2024-02-29", "2020-01-01 00:00:00"));
      execute(c, "DROP TABLE everything");
      assertThat(stateOf(() -> query(c, "SELECT * FROM everything"))).isEqualTo("42S02");
      execute(c, "DROP TABLE IF EXISTS everything");
      assertThat(stateOf(() -> execute(c, "DROP TABLE everything"))).isEqualTo("42S02");
    }
  }

  @Test void creatingAnExistingTableFailsUnlessIfNotExists() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE twice (id INT PRIMARY KEY)");
      assertThat(stateOf(() -> execute(c, "CREATE TABLE twice (id INT PRIMARY KEY)")))
          .isEqualTo("42S01");
      execute(c, "CREATE TABLE IF NOT EXISTS twice (id INT PRIMARY KEY)");
      execute(c, "DROP TABLE twice");
    }
  }

  @Test void shardKeyMustBeInThePrimaryKeyAndRangeIsNotSupported() throws SQLException {
    try (Connection c = connect()) {
      assertThat(stateOf(() -> execute(c,
          "CREATE TABLE bad (a INT, b INT, PRIMARY KEY (a)) SHARD BY HASH (b)")))
          .isEqualTo("42000");
      assertThat(stateOf(() -> execute(c,
          "CREATE TABLE bad (a INT PRIMARY KEY) SHARD BY RANGE (a)"))).isEqualTo("0A000");
      execute(c, "CREATE TABLE good (a INT, b INT, v INT, PRIMARY KEY (a, b))"
          + " SHARD BY HASH (b) SHARDS 5 REPLICAS 1");
      update(c, "INSERT INTO good VALUES (1, 1, 1), (1, 2, 2), (2, 1, 3)");
      // SUM of an INT is a BIGINT (TesseraTypeSystem).
      assertThat(query(c, "SELECT SUM(v) FROM good")).containsExactly(List.of(6L));
      execute(c, "DROP TABLE good");
    }
  }

  @Test void indexesAndUniqueConstraintsShowInIndexInfo() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(50) UNIQUE,"
          + " name VARCHAR(20), city VARCHAR(20))");
      execute(c, "CREATE INDEX users_by_city ON users (city, name)");
      execute(c, "CREATE INDEX IF NOT EXISTS users_by_city ON users (city, name)");
      assertThat(stateOf(() -> execute(c, "CREATE INDEX users_by_x ON users (nope)")))
          .isEqualTo("42S22");
      assertThat(stateOf(() -> execute(c, "CREATE INDEX users_by_x ON nobody (id)")))
          .isEqualTo("42S02");
      List<List<Object>> info = new ArrayList<>();
      try (ResultSet rs = c.getMetaData().getIndexInfo(null, "PUBLIC", "USERS", false, true)) {
        while (rs.next()) {
          info.add(List.of(rs.getString("INDEX_NAME"), rs.getBoolean("NON_UNIQUE"),
              rs.getShort("ORDINAL_POSITION"), rs.getString("COLUMN_NAME")));
        }
      }
      assertThat(info).containsExactlyInAnyOrder(
          List.of("PK_USERS", false, (short) 1, "ID"),
          List.of("UQ_USERS_EMAIL", false, (short) 1, "EMAIL"),
          List.of("USERS_BY_CITY", true, (short) 1, "CITY"),
          List.of("USERS_BY_CITY", true, (short) 2, "NAME"));
      try (ResultSet rs = c.getMetaData().getIndexInfo(null, "PUBLIC", "USERS", true, true)) {
        assertThat(rows(rs)).hasSize(2);
      }
      execute(c, "DROP INDEX users_by_city");
      execute(c, "DROP INDEX IF EXISTS users_by_city");
      try (ResultSet rs = c.getMetaData().getIndexInfo(null, "PUBLIC", "USERS", false, true)) {
        assertThat(rows(rs)).hasSize(2);
      }
      execute(c, "DROP TABLE users");
    }
  }

  @Test void viewsAreValidatedStoredAndQueryable() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE sales (id INT PRIMARY KEY, region VARCHAR(10), amount INT)");
      update(c, "INSERT INTO sales VALUES (1, 'n', 10), (2, 's', 20), (3, 'n', 30)");
      execute(c, "CREATE VIEW north (id, amount) AS SELECT id, amount FROM sales"
          + " WHERE region = 'n'");
      assertThat(query(c, "SELECT id, amount FROM north ORDER BY id"))
          .containsExactly(List.of(1, 10), List.of(3, 30));
      assertThat(stateOf(() -> execute(c, "CREATE VIEW broken AS SELECT * FROM missing")))
          .isEqualTo("42S02");
      assertThat(stateOf(() -> execute(c, "CREATE VIEW north AS SELECT 1 AS x FROM sales")))
          .isEqualTo("42S01");
      execute(c, "CREATE OR REPLACE VIEW north AS SELECT COUNT(*) AS n FROM sales");
      assertThat(query(c, "SELECT n FROM north")).containsExactly(List.of(3L));
      try (ResultSet rs = c.getMetaData().getTables(null, "PUBLIC", "NORTH", null)) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("TABLE_TYPE")).isEqualTo("VIEW");
      }
      execute(c, "DROP VIEW north");
      execute(c, "DROP VIEW IF EXISTS north");
      execute(c, "DROP TABLE sales");
    }
  }
}
