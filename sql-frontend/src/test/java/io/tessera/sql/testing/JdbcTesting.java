package io.tessera.sql.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Small JDBC helpers for tests: run a statement, read a result as rows, EXPLAIN a query. */
public final class JdbcTesting {
  private JdbcTesting() {
  }

  /** Runs one statement, ignoring its result. */
  public static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The plan of {@code sql} ({@code EXPLAIN PLAN FOR}), its lines joined with newlines. */
  public static String explain(Connection c, String sql) throws SQLException {
    return column(query(c, "EXPLAIN PLAN FOR " + sql)).stream().map(String::valueOf)
        .collect(Collectors.joining("\n"));
  }

  /** Every row of the query's result, each a list of its column values. */
  public static List<List<Object>> query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<List<Object>> rows = new ArrayList<>();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Object[] row = new Object[n];
        for (int i = 0; i < n; i++) {
          row[i] = rs.getObject(i + 1);
        }
        rows.add(Arrays.asList(row));
      }
      return rows;
    }
  }

  /** The first column of {@code rows}. */
  public static List<Object> column(List<List<Object>> rows) {
    return rows.stream().map(r -> r.get(0)).collect(Collectors.toList());
  }
}
