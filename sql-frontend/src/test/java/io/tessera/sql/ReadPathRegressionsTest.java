package io.tessera.sql;

import static io.tessera.sql.testing.JdbcTesting.column;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.schema.ShardedTable;
import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regressions of the read path found by the differential test against H2, on a real in-process
 * cluster: ORDER BY over pushed projections and filters, LIMIT over a distinct UNION, joins on
 * keys of different types, SUM/AVG typing, Unicode literals, and DDL seen by open connections.
 * Expected results are computed in Java from the rows loaded.
 */
class ReadPathRegressionsTest {
  private static final int ITEMS = 600;

  private static LocalClusterFixture cluster;
  private static Connection connection;
  private static final List<Item> items = new ArrayList<>();

  /** One ITEMS row: keys of every integer type and two decimal scales. */
  record Item(long id, int i, short s, Short qty, BigDecimal d2, BigDecimal d3, int customer,
      Long ts) {}

  @BeforeAll static void load() throws Exception {
    cluster = LocalClusterFixture.start(3);
    connection = cluster.connect();
    execute("CREATE TABLE items (id BIGINT PRIMARY KEY, i INT NOT NULL, s SMALLINT NOT NULL,"
        + " qty SMALLINT, d2 DECIMAL(10, 2) NOT NULL, d3 DECIMAL(12, 3) NOT NULL,"
        + " customer INT NOT NULL, ts BIGINT) SHARDS 6");
    execute("CREATE INDEX items_by_customer ON items (customer)");
    execute("CREATE TABLE keys (k INT PRIMARY KEY, ks SMALLINT NOT NULL, kb BIGINT NOT NULL,"
        + " kd DECIMAL(12, 3) NOT NULL) SHARDS 3");
    for (long id = 1; id <= ITEMS; id++) {
      // Large SMALLINTs, so that their sum overflows SMALLINT (and INT for AVG's sum).
      short qty = (short) (32000 - id % 7);
      items.add(new Item(id, (int) (id * 7 % 101), (short) (id % 53),
          id % 10 == 0 ? null : qty, BigDecimal.valueOf(id % 97 * 25, 2),
          BigDecimal.valueOf(id % 89 * 250, 3), (int) (id % 5), id % 9 == 0 ? null : id * 31 % 17));
    }
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (Item it : items) {
        ps.setLong(1, it.id());
        ps.setInt(2, it.i());
        ps.setShort(3, it.s());
        ps.setObject(4, it.qty(), Types.SMALLINT);
        ps.setBigDecimal(5, it.d2());
        ps.setBigDecimal(6, it.d3());
        ps.setInt(7, it.customer());
        ps.setObject(8, it.ts(), Types.BIGINT);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    // keys k = 0..40: ks = k (SMALLINT), kb = k (BIGINT), kd = k / 4 (DECIMAL(12,3)).
    StringBuilder keys = new StringBuilder("INSERT INTO keys VALUES ");
    for (int k = 0; k <= 40; k++) {
      keys.append(k == 0 ? "" : ", ").append("(").append(k).append(", ").append(k).append(", ")
          .append(k).append(", ").append(BigDecimal.valueOf(k * 250L, 3)).append(")");
    }
    execute(keys.toString());
  }

  @AfterAll static void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  // ------------------------------------------------ 1, 2: ORDER BY over pushed operators

  @Test void orderByAnUnselectedColumnWithAPartlyPushedSelectList() throws SQLException {
    // Crashed the planner (ArrayIndexOutOfBoundsException in ExpandConversionRule): the narrower
    // pushed projection inherited the collation of the whole select list.
    List<List<Object>> rows = query("SELECT i, MOD(i, 4), i, NULLIF(i, 70) FROM items"
        + " WHERE id NOT IN (3, 4) ORDER BY id LIMIT 3");
    List<List<Object>> expected = items.stream().filter(it -> it.id() != 3 && it.id() != 4)
        .limit(3)
        .map(it -> Arrays.<Object>asList(it.i(), it.i() % 4, it.i(), it.i() == 70 ? null : it.i()))
        .collect(Collectors.toList());
    assertThat(rows).containsExactlyElementsOf(expected);
  }

  @Test void orderByIsNotLostAbovePushedFiltersAndProjections() throws SQLException {
    // Was returned in per-shard order: the pushed project/filter claimed the sort's collation.
    List<List<Object>> rows = query("SELECT -id, id FROM items WHERE qty IS NOT NULL ORDER BY id");
    List<List<Object>> expected = items.stream().filter(it -> it.qty() != null)
        .map(it -> List.<Object>of(-it.id(), it.id())).collect(Collectors.toList());
    assertThat(rows).containsExactlyElementsOf(expected);

    rows = query("SELECT id FROM items WHERE customer = 3 ORDER BY ts NULLS LAST, id");
    assertThat(explain("SELECT id FROM items WHERE customer = 3 ORDER BY ts NULLS LAST, id"))
        .contains("index=[ITEMS_BY_CUSTOMER]");
    List<Object> ids = items.stream().filter(it -> it.customer() == 3)
        .sorted(Comparator.comparing(Item::ts, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(Item::id))
        .map(it -> (Object) it.id()).collect(Collectors.toList());
    assertThat(column(rows)).containsExactlyElementsOf(ids);

    rows = query("SELECT UPPER('x') || CAST(id AS VARCHAR(20)), i FROM items WHERE s > 3"
        + " ORDER BY i DESC, id");
    List<Object> iDesc = items.stream().filter(it -> it.s() > 3)
        .sorted(Comparator.comparing(Item::i).reversed().thenComparing(Item::id))
        .map(it -> (Object) it.i()).collect(Collectors.toList());
    assertThat(rows.stream().map(r -> r.get(1)).collect(Collectors.toList()))
        .containsExactlyElementsOf(iDesc);
  }

  // ------------------------------------------------------ 3: LIMIT over a distinct UNION

  @Test void limitOverADistinctUnionIsNotPushedIntoItsInputs() throws SQLException {
    String sql = "SELECT s FROM items UNION SELECT ks FROM keys ORDER BY 1 NULLS LAST LIMIT 45";
    Set<Integer> distinct = new TreeSet<>();
    items.forEach(it -> distinct.add((int) it.s()));
    for (int k = 0; k <= 40; k++) {
      distinct.add(k);
    }
    List<Integer> expected = distinct.stream().limit(45).collect(Collectors.toList());
    assertThat(column(query(sql)).stream().map(v -> ((Number) v).intValue()))
        .containsExactlyElementsOf(expected);
    // UNION ALL still pushes it.
    assertThat(query("SELECT s FROM items UNION ALL SELECT ks FROM keys ORDER BY 1 LIMIT 45"))
        .hasSize(45);
  }

  // ------------------------------------------------------------ 4: join key types

  @Test void joinsAndSubQueriesOnKeysOfDifferentTypes() throws SQLException {
    // INT = SMALLINT through = ANY (was 0 rows: Integer keys never equal Short keys) and IN.
    long expected = items.stream().filter(it -> it.i() <= 40).count();
    assertThat(query("SELECT COUNT(*) FROM items WHERE i = ANY (SELECT ks FROM keys)"))
        .containsExactly(List.of(expected));
    assertThat(query("SELECT COUNT(*) FROM items WHERE i IN (SELECT ks FROM keys)"))
        .containsExactly(List.of(expected));
    // SMALLINT = INT, INT = BIGINT, SMALLINT = BIGINT joins.
    assertThat(query("SELECT COUNT(*) FROM items JOIN keys ON items.s = keys.k"))
        .containsExactly(List.of(items.stream().filter(it -> it.s() <= 40).count()));
    assertThat(query("SELECT COUNT(*) FROM items JOIN keys ON items.i = keys.kb"))
        .containsExactly(List.of(expected));
    assertThat(query("SELECT COUNT(*) FROM items, keys WHERE items.s = keys.kb"))
        .containsExactly(List.of(items.stream().filter(it -> it.s() <= 40).count()));
    // BIGINT = DECIMAL, and DECIMAL(10,2) = DECIMAL(12,3) (1.50 vs 1.500).
    assertThat(query("SELECT COUNT(*) FROM items JOIN keys ON items.id = keys.kd"))
        .containsExactly(List.of(10L)); // kd = 1..10 are whole numbers of ids 1..10
    long decimals = 0;
    for (Item it : items) {
      for (int k = 0; k <= 40; k++) {
        decimals += it.d2().compareTo(BigDecimal.valueOf(k * 250L, 3)) == 0 ? 1 : 0;
      }
    }
    assertThat(decimals).isPositive();
    assertThat(query("SELECT COUNT(*) FROM items JOIN keys ON items.d2 = keys.kd"))
        .containsExactly(List.of(decimals));
    // A correlated EXISTS, and a semi-join through = SOME with DECIMAL(12,3) vs DECIMAL(10,2).
    assertThat(query("SELECT COUNT(*) FROM keys k WHERE EXISTS (SELECT 1 FROM items it"
        + " WHERE it.s = k.kb AND it.i > 50)"))
        .containsExactly(List.of(items.stream().filter(it -> it.i() > 50 && it.s() <= 40)
            .map(Item::s).distinct().count()));
    long someMatches = 0;
    for (int k = 0; k <= 40; k++) {
      BigDecimal kd = BigDecimal.valueOf(k * 250L, 3);
      someMatches += items.stream().anyMatch(it -> it.d2().compareTo(kd) == 0) ? 1 : 0;
    }
    assertThat(query("SELECT COUNT(*) FROM keys WHERE kd = SOME (SELECT d2 FROM items)"))
        .containsExactly(List.of(someMatches));
  }

  // ------------------------------------------------------------- 5: SUM and AVG types

  @Test void sumAndAverageDoNotOverflowTheArgumentType() throws SQLException {
    long sum = items.stream().filter(it -> it.qty() != null).mapToLong(Item::qty).sum();
    long count = items.stream().filter(it -> it.qty() != null).count();
    assertThat(sum).isGreaterThan(Integer.MAX_VALUE / 1000); // far beyond SMALLINT
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT SUM(qty), AVG(qty), SUM(i), AVG(i), SUM(d2),"
            + " AVG(d2) FROM items")) {
      ResultSetMetaData md = rs.getMetaData();
      assertThat(md.getColumnType(1)).isEqualTo(Types.BIGINT);
      assertThat(md.getColumnType(2)).isEqualTo(Types.DOUBLE);
      assertThat(md.getColumnType(3)).isEqualTo(Types.BIGINT);
      assertThat(md.getColumnType(4)).isEqualTo(Types.DOUBLE);
      assertThat(md.getColumnType(5)).isEqualTo(Types.DECIMAL);
      assertThat(md.getScale(5)).isEqualTo(2);
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(sum);
      assertThat(rs.getDouble(2)).isCloseTo((double) sum / count,
          org.assertj.core.data.Offset.offset(1e-9));
      assertThat(rs.getLong(3)).isEqualTo(items.stream().mapToLong(Item::i).sum());
      assertThat(rs.getDouble(4)).isCloseTo(items.stream().mapToLong(Item::i).average()
          .orElseThrow(), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(rs.getBigDecimal(5))
          .isEqualByComparingTo(items.stream().map(Item::d2).reduce(BigDecimal.ZERO,
              BigDecimal::add));
    }
    // Per group too (the sum of a group is computed in the frontend over pushed columns).
    List<List<Object>> groups = query("SELECT customer, SUM(qty) FROM items GROUP BY customer"
        + " ORDER BY customer");
    assertThat(groups).hasSize(5);
    assertThat(groups.get(0).get(1)).isEqualTo(items.stream()
        .filter(it -> it.customer() == 0 && it.qty() != null).mapToLong(Item::qty).sum());
  }

  // -------------------------------------------------------------- 6: Unicode strings

  @Test void nonLatin1LiteralsAreStoredAndQueried() throws SQLException {
    execute("CREATE TABLE names (id INT PRIMARY KEY, name VARCHAR(40)) SHARDS 2");
    try {
      execute("INSERT INTO names VALUES (1, 'Zoë 🙂'), (2, 'Ivan Müller'), (3, 'Жанна'),"
          + " (4, '東京'), (5, 'plain')");
      assertThat(query("SELECT id, name FROM names WHERE name IN ('Zoë 🙂', '東京') ORDER BY id"))
          .containsExactly(List.of(1, "Zoë 🙂"), List.of(4, "東京"));
      assertThat(query("SELECT id FROM names WHERE name LIKE '%ü%' OR name = 'Жанна'"
          + " ORDER BY id")).containsExactly(List.of(2), List.of(3));
      assertThat(query("SELECT 'Zoë 🙂' || name FROM names WHERE id = 5"))
          .containsExactly(List.of("Zoë 🙂plain"));
      try (PreparedStatement ps = connection.prepareStatement(
          "SELECT id FROM names WHERE name = ?")) {
        ps.setString(1, "Zoë 🙂");
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(1);
        }
      }
    } finally {
      execute("DROP TABLE names");
    }
  }

  // ------------------------------------------------- 7: DDL seen by open connections

  @Test void openConnectionsSeeTablesAndIndexesCreatedAndDropped() throws Exception {
    try (Connection other = cluster.connect()) {
      // Both connections have looked the schema up before the DDL.
      assertThat(query("SELECT COUNT(*) FROM keys")).containsExactly(List.of(41L));
      assertThat(query(other, "SELECT COUNT(*) FROM keys")).containsExactly(List.of(41L));
      ShardedTable before = calciteTable(connection, "KEYS");
      assertThat(calciteTable(other, "DDL_SEEN")).isNull();

      // A table created by the other connection.
      execute(other, "CREATE TABLE ddl_seen (id INT PRIMARY KEY, v INT) SHARDS 2");
      execute(other, "INSERT INTO ddl_seen VALUES (1, 10), (2, 20)");
      assertThat(query("SELECT SUM(v) FROM ddl_seen")).containsExactly(List.of(30L));
      assertThat(calciteTable(connection, "DDL_SEEN")).isNotNull();

      // An index created by this connection: both plan with it.
      execute("CREATE INDEX keys_by_kb ON keys (kb)");
      String sql = "SELECT k FROM keys WHERE kb = 7";
      PreparedStatement prepared = connection.prepareStatement(
          "SELECT k FROM keys WHERE kb = ?");
      assertThat(explain(connection, sql)).contains("index=[KEYS_BY_KB]");
      assertThat(explain(other, sql)).contains("index=[KEYS_BY_KB]");
      ShardedTable indexed = calciteTable(connection, "KEYS");
      assertThat(indexed).isNotSameAs(before);
      assertThat(indexed.schema().getIndexesList()).extracting(i -> i.getName())
          .contains("KEYS_BY_KB");
      assertThat(calciteTable(other, "KEYS").schema().getIndexesList())
          .extracting(i -> i.getName()).contains("KEYS_BY_KB");

      // ... and dropped by the other one: neither plans with it any more, Calcite's schema of
      // both connections shows the table without it, and queries still answer.
      execute(other, "DROP INDEX keys_by_kb");
      assertThat(explain(connection, sql)).doesNotContain("KEYS_BY_KB");
      assertThat(explain(other, sql)).doesNotContain("KEYS_BY_KB");
      assertThat(calciteTable(connection, "KEYS").schema().getIndexesList())
          .extracting(i -> i.getName()).doesNotContain("KEYS_BY_KB");
      assertThat(calciteTable(other, "KEYS").schema().getIndexesList())
          .extracting(i -> i.getName()).doesNotContain("KEYS_BY_KB");
      assertThat(query(sql)).containsExactly(List.of(7));
      // A statement prepared while the index existed still answers.
      prepared.setLong(1, 9);
      try (ResultSet rs = prepared.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(9);
        assertThat(rs.next()).isFalse();
      }
      prepared.close();

      // A dropped table disappears for both.
      execute("DROP TABLE ddl_seen");
      assertThat(calciteTable(connection, "DDL_SEEN")).isNull();
      assertThat(calciteTable(other, "DDL_SEEN")).isNull();
      assertThat(sqlState(() -> query(other, "SELECT * FROM ddl_seen"))).isNotNull();
    }
  }

  // ------------------------------------------------------------------------------ helpers

  /** The table {@code name} as the connection's Calcite schema (PUBLIC) returns it. */
  private static ShardedTable calciteTable(Connection c, String name) throws SQLException {
    SchemaPlus root = c.unwrap(CalciteConnection.class).getRootSchema();
    SchemaPlus schema = Objects.requireNonNull(root.subSchemas().get("PUBLIC"));
    Table table = schema.tables().get(name);
    return (ShardedTable) table;
  }

  private interface SqlAction {
    void run() throws SQLException;
  }

  private static String sqlState(SqlAction action) {
    try {
      action.run();
      return null;
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  private static void execute(String sql) throws SQLException {
    execute(connection, sql);
  }

  private static void execute(Connection c, String sql) throws SQLException {
    JdbcTesting.execute(c, sql);
  }

  private static String explain(String sql) throws SQLException {
    return explain(connection, sql);
  }

  private static String explain(Connection c, String sql) throws SQLException {
    return JdbcTesting.explain(c, sql);
  }

  private static List<List<Object>> query(String sql) throws SQLException {
    return query(connection, sql);
  }

  private static List<List<Object>> query(Connection c, String sql) throws SQLException {
    return JdbcTesting.query(c, sql);
  }
}
