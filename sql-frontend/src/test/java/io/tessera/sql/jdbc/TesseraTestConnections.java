package io.tessera.sql.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Opens JDBC connections through {@link FrontendDriver} to a test cluster. */
public final class TesseraTestConnections {
  private static final FrontendDriver DRIVER = new FrontendDriver();

  private TesseraTestConnections() {}

  public static Connection connect(String zkConnect, String cluster) throws SQLException {
    Properties p = new Properties();
    p.setProperty(FrontendDriver.ZK, zkConnect);
    p.setProperty(FrontendDriver.CLUSTER, cluster);
    return DRIVER.connect(FrontendDriver.CONNECT_STRING_PREFIX, p);
  }

  /** Runs a query and returns its rows, each as a list of column values. */
  public static List<List<Object>> query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rows(rs);
    }
  }

  public static List<List<Object>> rows(ResultSet rs) throws SQLException {
    List<List<Object>> out = new ArrayList<>();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      List<Object> row = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        row.add(rs.getObject(i));
      }
      out.add(row);
    }
    return out;
  }

  public static int update(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      return s.executeUpdate(sql);
    }
  }

  public static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
