package io.tessera.sql.jdbc;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.rows;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DatabaseMetaData for tools (sqlline !tables, !columns, ...) and SQLStates of SQL errors. */
class JdbcMetadataAndErrorsTest extends ClusterTestBase {

  @Test void databaseInfo() throws SQLException {
    try (Connection c = connect()) {
      DatabaseMetaData md = c.getMetaData();
      assertThat(md.getDatabaseProductName()).isEqualTo("Tessera");
      assertThat(md.getDatabaseProductVersion()).isEqualTo("0.1");
      assertThat(md.storesUpperCaseIdentifiers()).isTrue();
      assertThat(md.getIdentifierQuoteString()).isEqualTo("\"");
      assertThat(md.supportsTransactions()).isTrue();
      assertThat(c.getSchema()).isEqualTo("PUBLIC");
    }
  }

  @Test void tablesColumnsAndPrimaryKeys() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE line_items (order_id INT, line INT, sku VARCHAR(12) NOT NULL,"
          + " qty INT DEFAULT 1, PRIMARY KEY (order_id, line))");
      execute(c, "CREATE TABLE notes (body VARCHAR(100))");
      DatabaseMetaData md = c.getMetaData();
      try (ResultSet rs = md.getTables(null, "PUBLIC", "%", new String[] {"TABLE"})) {
        List<String> names = new ArrayList<>();
        while (rs.next()) {
          assertThat(rs.getString("TABLE_TYPE")).isEqualTo("TABLE");
          names.add(rs.getString("TABLE_NAME"));
        }
        assertThat(names).contains("LINE_ITEMS", "NOTES");
      }
      try (ResultSet rs = md.getColumns(null, "PUBLIC", "LINE_ITEMS", "%")) {
        List<List<Object>> cols = new ArrayList<>();
        while (rs.next()) {
          cols.add(List.of(rs.getString("COLUMN_NAME"), rs.getString("IS_NULLABLE")));
        }
        assertThat(cols).containsExactly(List.of("ORDER_ID", "NO"), List.of("LINE", "NO"),
            List.of("SKU", "NO"), List.of("QTY", "YES"));
      }
      try (ResultSet rs = md.getPrimaryKeys(null, "PUBLIC", "LINE_ITEMS")) {
        List<List<Object>> pk = new ArrayList<>();
        while (rs.next()) {
          pk.add(List.of(rs.getString("COLUMN_NAME"), rs.getShort("KEY_SEQ"),
              rs.getString("PK_NAME")));
        }
        assertThat(pk).containsExactly(List.of("ORDER_ID", (short) 1, "PK_LINE_ITEMS"),
            List.of("LINE", (short) 2, "PK_LINE_ITEMS"));
      }
      // The hidden row id is neither a column nor a reported key.
      try (ResultSet rs = md.getColumns(null, "PUBLIC", "NOTES", "%")) {
        assertThat(rows(rs)).hasSize(1);
      }
      try (ResultSet rs = md.getPrimaryKeys(null, "PUBLIC", "NOTES")) {
        assertThat(rs.next()).isFalse();
      }
      execute(c, "DROP TABLE line_items");
      execute(c, "DROP TABLE notes");
    }
  }

  @Test void sqlErrorsCarrySqlStates() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE errs (id INT PRIMARY KEY, v INT)");
      assertThat(stateOf(() -> query(c, "SELEC 1"))).isEqualTo("42000");
      assertThat(stateOf(() -> query(c, "SELECT * FROM no_such_table"))).isEqualTo("42S02");
      assertThat(stateOf(() -> query(c, "SELECT nope FROM errs"))).isEqualTo("42S22");
      assertThat(stateOf(() -> execute(c, "INSERT INTO errs (id, nope) VALUES (1, 1)")))
          .isEqualTo("42S22");
      assertThat(stateOf(() -> c.prepareStatement("SELECT * FROM no_such_table")))
          .isEqualTo("42S02");
      // Quoted identifiers keep their case; unquoted ones are upper-cased.
      assertThat(query(c, "SELECT COUNT(*) FROM \"ERRS\"")).containsExactly(List.of(0L));
      assertThat(stateOf(() -> query(c, "SELECT COUNT(*) FROM \"errs\""))).isEqualTo("42S02");
      execute(c, "DROP TABLE errs");
    }
  }
}
