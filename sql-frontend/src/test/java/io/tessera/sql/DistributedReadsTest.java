package io.tessera.sql;

import static io.tessera.sql.testing.JdbcTesting.column;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The read path against a real in-process cluster (ZooKeeper, coordinator, 3 shard nodes):
 * scans, pushed filters and projections, shard pruning, index ranges, ORDER BY with LIMIT and
 * OFFSET merged across shards, joins and aggregates in the frontend. Expected results are
 * computed in Java from the rows loaded.
 */
class DistributedReadsTest {
  private static final int ORDERS = 3000;
  private static final int CUSTOMERS = 100;
  private static final String[] STATUSES = {"open", "paid", "shipped", "void"};
  private static final long T0 = 1_700_000_000_000L;

  private static LocalClusterFixture cluster;
  private static Connection connection;
  private static final List<Order> orders = new ArrayList<>();

  /** One loaded ORDERS row. */
  record Order(long id, int customer, String status, BigDecimal amount, long created,
      String note, byte[] data) {}

  @BeforeAll static void load() throws Exception {
    cluster = LocalClusterFixture.start(3);
    connection = cluster.connect();
    execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, customer INT NOT NULL,"
        + " status VARCHAR(10), amount DECIMAL(10, 2), created TIMESTAMP, note VARCHAR(20),"
        + " data VARBINARY(8)) SHARDS 6");
    execute("CREATE INDEX orders_by_customer ON orders (customer)");
    execute("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20), region VARCHAR(10))"
        + " SHARDS 3");
    execute("CREATE TABLE events (name VARCHAR(10), v DOUBLE) SHARDS 2");

    for (long id = 1; id <= ORDERS; id++) {
      orders.add(new Order(id, (int) (id % CUSTOMERS) + 1, STATUSES[(int) (id % 4)],
          BigDecimal.valueOf(id * 37 % 10000, 2), T0 + id * 60_000L,
          id % 10 == 0 ? null : "note " + id, new byte[] {(byte) id, (byte) (id >> 8)}));
    }
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      int n = 0;
      for (Order o : orders) {
        ps.setLong(1, o.id());
        ps.setInt(2, o.customer());
        ps.setString(3, o.status());
        ps.setBigDecimal(4, o.amount());
        ps.setTimestamp(5, new Timestamp(o.created()));
        ps.setString(6, o.note());
        ps.setBytes(7, o.data());
        ps.addBatch();
        if (++n % 500 == 0) {
          ps.executeBatch();
        }
      }
      ps.executeBatch();
    }
    StringBuilder customers = new StringBuilder("INSERT INTO customers VALUES ");
    for (int id = 1; id <= CUSTOMERS; id++) {
      customers.append(id == 1 ? "" : ", ").append("(").append(id).append(", 'c").append(id)
          .append("', '").append(id % 2 == 0 ? "east" : "west").append("')");
    }
    execute(customers.toString());
    execute("INSERT INTO events VALUES ('a', 1.5), ('b', 2.5), ('c', NULL)");
  }

  @AfterAll static void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  // ------------------------------------------------------------------------------- scans

  @Test void fullScanReturnsEveryRowOnce() throws SQLException {
    assertThat(query("SELECT COUNT(*) FROM orders")).containsExactly(List.of((long) ORDERS));
    List<List<Object>> ids = query("SELECT id FROM orders");
    assertThat(ids).hasSize(ORDERS);
    assertThat(ids.stream().map(r -> r.get(0)).distinct().count()).isEqualTo(ORDERS);
  }

  @Test void valuesOfEveryTypeRoundTrip() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM orders WHERE id = 1234")) {
      assertThat(rs.next()).isTrue();
      Order o = orders.get(1233);
      assertThat(rs.getLong("ID")).isEqualTo(1234L);
      assertThat(rs.getInt("CUSTOMER")).isEqualTo(o.customer());
      assertThat(rs.getString("STATUS")).isEqualTo(o.status());
      assertThat(rs.getBigDecimal("AMOUNT")).isEqualTo(o.amount());
      assertThat(rs.getTimestamp("CREATED").getTime()).isEqualTo(o.created());
      assertThat(rs.getString("NOTE")).isEqualTo(o.note());
      assertThat(rs.getBytes("DATA")).isEqualTo(o.data());
      assertThat(rs.next()).isFalse();
    }
  }

  @Test void hiddenRowIdIsNotAColumn() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM events ORDER BY name")) {
      ResultSetMetaData md = rs.getMetaData();
      assertThat(md.getColumnCount()).isEqualTo(2);
      List<String> names = new ArrayList<>();
      while (rs.next()) {
        names.add(rs.getString(1));
      }
      assertThat(names).containsExactly("a", "b", "c");
    }
  }

  // ------------------------------------------------------------------------------ filters

  @Test void pushedFiltersMatchJava() throws SQLException {
    long expected = orders.stream()
        .filter(o -> o.status().equals("open") && o.amount().compareTo(BigDecimal.valueOf(50)) > 0)
        .count();
    assertThat(query("SELECT COUNT(*) FROM orders WHERE status = 'open' AND amount > 50"))
        .containsExactly(List.of(expected));
    long noNote = orders.stream().filter(o -> o.note() == null).count();
    assertThat(query("SELECT COUNT(*) FROM orders WHERE note IS NULL"))
        .containsExactly(List.of(noNote));
    long like = orders.stream().filter(o -> o.note() != null && o.note().startsWith("note 12"))
        .count();
    assertThat(query("SELECT COUNT(*) FROM orders WHERE note LIKE 'note 12%'"))
        .containsExactly(List.of(like));
  }

  @Test void untranslatableFiltersStillFilter() throws SQLException {
    long expected = orders.stream()
        .filter(o -> o.note() != null && o.note().toUpperCase().endsWith("7") && o.customer() < 50)
        .count();
    assertThat(query("SELECT COUNT(*) FROM orders WHERE UPPER(note) LIKE '%7' AND customer < 50"))
        .containsExactly(List.of(expected));
  }

  @Test void computedProjectionsAreCorrect() throws SQLException {
    Order o = orders.get(99);
    assertThat(query("SELECT id * 2 + 1, amount * 2, UPPER(status) FROM orders WHERE id = 100"))
        .containsExactly(List.of(201L, o.amount().multiply(BigDecimal.valueOf(2)),
            o.status().toUpperCase()));
  }

  // ---------------------------------------------------------------------- pruning, index

  @Test void equalityOnTheKeyReadsOneShard() throws SQLException {
    assertThat(explain("SELECT status FROM orders WHERE id = 77"))
        .contains("shards=[1 of 6]", "index=[PRIMARY KEY]");
    assertThat(query("SELECT status FROM orders WHERE id = 77"))
        .containsExactly(List.of(orders.get(76).status()));
    assertThat(query("SELECT id FROM orders WHERE id IN (5, 500, 2999, 99999) ORDER BY id"))
        .containsExactly(List.of(5L), List.of(500L), List.of(2999L));
  }

  @Test void preparedStatementsPruneWithEachParameter() throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT customer, status FROM orders WHERE id = ?")) {
      for (long id : new long[] {1, 17, 1500, 3000}) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(orders.get((int) id - 1).customer());
          assertThat(rs.getString(2)).isEqualTo(orders.get((int) id - 1).status());
          assertThat(rs.next()).isFalse();
        }
      }
      ps.setLong(1, 123456);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isFalse();
      }
    }
  }

  @Test void secondaryIndexServesEqualityOnItsColumn() throws SQLException {
    assertThat(explain("SELECT id FROM orders WHERE customer = 7"))
        .contains("index=[ORDERS_BY_CUSTOMER]");
    List<Object> expected = orders.stream().filter(o -> o.customer() == 7)
        .map(o -> (Object) o.id()).collect(Collectors.toList());
    assertThat(column(query("SELECT id FROM orders WHERE customer = 7 ORDER BY id")))
        .containsExactlyElementsOf(expected);
  }

  @Test void primaryKeyRangeIsBounded() throws SQLException {
    assertThat(explain("SELECT id FROM orders WHERE id BETWEEN 100 AND 199"))
        .contains("range=[[100..199]]");
    assertThat(query("SELECT COUNT(*), MIN(id), MAX(id) FROM orders WHERE id BETWEEN 100 AND 199"))
        .containsExactly(List.of(100L, 100L, 199L));
    assertThat(query("SELECT COUNT(*) FROM orders WHERE id > 2990")).containsExactly(List.of(10L));
  }

  // ------------------------------------------------------------------- ORDER BY, LIMIT

  @Test void orderByMergesSortedShardStreams() throws SQLException {
    List<Object> ids = column(query("SELECT id FROM orders ORDER BY id DESC"));
    assertThat(ids).hasSize(ORDERS);
    assertThat(ids.get(0)).isEqualTo((long) ORDERS);
    assertThat(ids.get(ORDERS - 1)).isEqualTo(1L);
    for (int i = 1; i < ids.size(); i++) {
      assertThat((Long) ids.get(i)).isLessThan((Long) ids.get(i - 1));
    }
  }

  @Test void limitAndOffsetAfterTheMerge() throws SQLException {
    String sql = "SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 10 OFFSET 20";
    assertThat(explain(sql)).contains("ShardSort", "offset=[20]", "fetch=[10]");
    List<List<Object>> expected = orders.stream()
        .sorted(Comparator.comparing(Order::amount).reversed().thenComparing(Order::id))
        .skip(20).limit(10)
        .map(o -> List.<Object>of(o.id(), o.amount()))
        .collect(Collectors.toList());
    assertThat(query(sql)).containsExactlyElementsOf(expected);
  }

  @Test void limitWithoutOrderStopsEarly() throws SQLException {
    assertThat(query("SELECT id FROM orders LIMIT 5")).hasSize(5);
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT id FROM orders WHERE status = ? ORDER BY id LIMIT ? OFFSET ?")) {
      ps.setString(1, "paid");
      ps.setInt(2, 3);
      ps.setInt(3, 2);
      try (ResultSet rs = ps.executeQuery()) {
        List<Long> ids = new ArrayList<>();
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
        // paid: id % 4 == 1 -> 1, 5, 9, 13, 17, ...
        assertThat(ids).containsExactly(9L, 13L, 17L);
      }
    }
  }

  // -------------------------------------------------------------- joins and aggregates

  @Test void aggregatesMatchJava() throws SQLException {
    Map<String, List<Order>> byStatus = orders.stream()
        .collect(Collectors.groupingBy(Order::status, TreeMap::new, Collectors.toList()));
    List<List<Object>> expected = new ArrayList<>();
    byStatus.forEach((status, rows) -> expected.add(List.of(status, (long) rows.size(),
        rows.stream().map(Order::amount).reduce(BigDecimal.ZERO, BigDecimal::add),
        rows.stream().mapToLong(Order::id).min().getAsLong(),
        rows.stream().mapToLong(Order::id).max().getAsLong())));
    assertThat(query("SELECT status, COUNT(*), SUM(amount), MIN(id), MAX(id) FROM orders"
        + " GROUP BY status ORDER BY status")).containsExactlyElementsOf(expected);
  }

  @Test void joinsAcrossTablesRunInTheFrontend() throws SQLException {
    Map<String, Long> expected = new TreeMap<>();
    for (Order o : orders) {
      if (o.customer() % 2 == 0 && o.amount().compareTo(BigDecimal.valueOf(90)) > 0) {
        expected.merge("c" + o.customer(), 1L, Long::sum);
      }
    }
    List<List<Object>> rows = query("SELECT c.name, COUNT(*) FROM orders o"
        + " JOIN customers c ON o.customer = c.id"
        + " WHERE c.region = 'east' AND o.amount > 90 GROUP BY c.name");
    Map<String, Long> actual = new TreeMap<>();
    rows.forEach(r -> actual.put((String) r.get(0), (Long) r.get(1)));
    assertThat(actual).isEqualTo(expected);
  }

  @Test void viewsExpandOverShardedTables() throws SQLException {
    execute("CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 95");
    long expected = orders.stream().filter(o -> o.amount().compareTo(BigDecimal.valueOf(95)) > 0)
        .count();
    assertThat(query("SELECT COUNT(*) FROM big_orders")).containsExactly(List.of(expected));
    assertThat(explain("SELECT id FROM big_orders")).contains("ShardFilter");
  }

  @Test void averageIsComputedInTheFrontend() throws SQLException {
    BigDecimal sum = orders.stream().filter(o -> o.customer() == 3).map(Order::amount)
        .reduce(BigDecimal.ZERO, BigDecimal::add);
    long n = orders.stream().filter(o -> o.customer() == 3).count();
    List<List<Object>> rows = query("SELECT AVG(amount) FROM orders WHERE customer = 3");
    assertThat(((BigDecimal) rows.get(0).get(0)).setScale(2, RoundingMode.HALF_UP))
        .isEqualTo(sum.divide(BigDecimal.valueOf(n), 2, RoundingMode.HALF_UP));
  }

  // ------------------------------------------------------------------------------ helpers

  private static void execute(String sql) throws SQLException {
    JdbcTesting.execute(connection, sql);
  }

  private static String explain(String sql) throws SQLException {
    return JdbcTesting.explain(connection, sql);
  }

  private static List<List<Object>> query(String sql) throws SQLException {
    return JdbcTesting.query(connection, sql);
  }
}
