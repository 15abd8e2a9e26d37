package io.tessera.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tessera.sql.testing.JdbcTesting;
import io.tessera.sql.testing.LocalClusterFixture;
import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GROUP BY and aggregates partially computed on the shards (docs/queries.md) against a real
 * in-process cluster: results compared with values computed in Java from the rows loaded, for
 * NULL groups and arguments, empty inputs, two-column groups, HAVING, ORDER BY on aggregates,
 * filters, parameters, decimals and doubles.
 */
class AggregatesAcrossShardsTest {
  private static final int ROWS = 1200;
  private static final String[] GROUPS = {"a", "b", "c", null};

  private static LocalClusterFixture cluster;
  private static Connection connection;
  private static final List<Row> rows = new ArrayList<>();

  /** One loaded row of T. */
  record Row(int id, String grp, short g2, Integer n, long big, BigDecimal amount, Double d) {}

  @BeforeAll static void load() throws Exception {
    cluster = LocalClusterFixture.start(3);
    connection = cluster.connect();
    JdbcTesting.execute(connection, "CREATE TABLE t (id INT PRIMARY KEY, grp VARCHAR(5),"
        + " g2 SMALLINT NOT NULL, n INT, big BIGINT NOT NULL, amount DECIMAL(10, 2), d DOUBLE)"
        + " SHARDS 5");
    JdbcTesting.execute(connection, "CREATE TABLE empty_t (id INT PRIMARY KEY, grp VARCHAR(5),"
        + " n INT) SHARDS 3");
    for (int id = 1; id <= ROWS; id++) {
      String grp = GROUPS[id % GROUPS.length];
      // Group 'c' has no n at all (SUM NULL, COUNT 0); other groups some NULLs.
      Integer n = "c".equals(grp) || id % 7 == 0 ? null : id % 50 - 10;
      BigDecimal amount = id % 11 == 0 ? null : BigDecimal.valueOf(id * 37L % 100000 - 20000, 2);
      Double d = id % 13 == 0 ? null : id / 8.0;
      rows.add(new Row(id, grp, (short) (id % 3), n, 1_000_000_000_000L + id, amount, d));
    }
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (Row r : rows) {
        ps.setInt(1, r.id());
        ps.setString(2, r.grp());
        ps.setShort(3, r.g2());
        ps.setObject(4, r.n(), Types.INTEGER);
        ps.setLong(5, r.big());
        ps.setBigDecimal(6, r.amount());
        ps.setObject(7, r.d(), Types.DOUBLE);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  @AfterAll static void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static List<List<Object>> query(String sql) throws SQLException {
    return JdbcTesting.query(connection, sql);
  }

  private static <K> Map<K, List<Row>> groupBy(List<Row> in, Function<Row, K> key,
      Comparator<K> order) {
    Map<K, List<Row>> m = new TreeMap<>(order);
    for (Row r : in) {
      m.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
    }
    return m;
  }

  private static final Comparator<String> NULLS_FIRST =
      Comparator.nullsFirst(Comparator.naturalOrder());

  private static Long sumN(List<Row> g) {
    List<Integer> ns = g.stream().map(Row::n).filter(Objects::nonNull).toList();
    return ns.isEmpty() ? null : ns.stream().mapToLong(Integer::longValue).sum();
  }

  private static BigDecimal sumAmount(List<Row> g) {
    return g.stream().map(Row::amount).filter(Objects::nonNull)
        .reduce(BigDecimal::add).orElse(null);
  }

  @Test void groupByOneColumnWithNullGroupsAndNullArguments() throws SQLException {
    List<List<Object>> expected = new ArrayList<>();
    groupBy(rows, Row::grp, NULLS_FIRST).forEach((grp, g) -> expected.add(Arrays.asList(grp,
        (long) g.size(), g.stream().filter(r -> r.n() != null).count(), sumN(g),
        g.stream().map(Row::n).filter(Objects::nonNull).min(Integer::compare).orElse(null),
        g.stream().map(Row::n).filter(Objects::nonNull).max(Integer::compare).orElse(null),
        sumAmount(g))));

    List<List<Object>> actual = query("SELECT grp, COUNT(*), COUNT(n), SUM(n), MIN(n), MAX(n),"
        + " SUM(amount) FROM t GROUP BY grp ORDER BY grp NULLS FIRST");

    assertThat(actual).containsExactlyElementsOf(expected);
    // Group 'c' has rows but no n: COUNT(n) 0, SUM/MIN/MAX NULL.
    assertThat(actual.get(3)).containsExactly("c", 300L, 0L, null, null, null,
        sumAmount(groupBy(rows, Row::grp, NULLS_FIRST).get("c")));
  }

  @Test void groupByTwoColumns() throws SQLException {
    Map<String, List<Row>> groups = groupBy(rows, r -> r.grp() + "/" + r.g2(), NULLS_FIRST);
    List<List<Object>> actual = query(
        "SELECT grp, g2, COUNT(*), SUM(big), MAX(d) FROM t GROUP BY grp, g2");

    assertThat(actual).hasSize(groups.size());
    for (List<Object> row : actual) {
      List<Row> g = groups.get(row.get(0) + "/" + row.get(1));
      assertThat(g).as("group %s", row).isNotNull();
      assertThat(row.subList(2, 5)).containsExactly((long) g.size(),
          g.stream().mapToLong(Row::big).sum(),
          g.stream().map(Row::d).filter(Objects::nonNull).max(Double::compare).orElse(null));
    }
  }

  @Test void globalAggregatesReturnOneRowAlsoForNoRows() throws SQLException {
    assertThat(query("SELECT COUNT(*) FROM t")).containsExactly(List.of((long) ROWS));
    assertThat(query("SELECT COUNT(*), COUNT(n), SUM(n), MIN(grp), MAX(grp) FROM t"))
        .containsExactly(Arrays.asList((long) ROWS,
            rows.stream().filter(r -> r.n() != null).count(), sumN(rows), "a", "c"));
    assertThat(query("SELECT COUNT(*), SUM(n), MIN(n) FROM empty_t"))
        .containsExactly(Arrays.asList(0L, null, null));
    assertThat(query("SELECT COUNT(*), SUM(n) FROM t WHERE id < 0"))
        .containsExactly(Arrays.asList(0L, null));
    assertThat(query("SELECT grp, COUNT(*) FROM empty_t GROUP BY grp")).isEmpty();
    assertThat(query("SELECT grp, COUNT(*) FROM t WHERE id < 0 GROUP BY grp")).isEmpty();
  }

  @Test void filtersHavingAndOrderByOnAggregates() throws SQLException {
    List<Row> filtered = rows.stream().filter(r -> r.id() % 2 == 0 && r.d() != null
        && r.d() > 20).toList();
    List<List<Object>> expected = new ArrayList<>();
    groupBy(filtered, Row::g2, Comparator.naturalOrder()).forEach((g2, g) -> {
      if (g.size() > 150) {
        expected.add(List.of(g2, (long) g.size()));
      }
    });
    expected.sort(Comparator.comparing((List<Object> r) -> (Long) r.get(1)).reversed());
    assertThat(expected).isNotEmpty();

    assertThat(query("SELECT g2, COUNT(*) FROM t WHERE MOD(id, 2) = 0 AND d > 20"
        + " GROUP BY g2 HAVING COUNT(*) > 150 ORDER BY COUNT(*) DESC"))
        .containsExactlyElementsOf(expected);
  }

  @Test void averagesOfIntegersDoublesAndDecimals() throws SQLException {
    List<List<Object>> actual = query("SELECT grp, AVG(n), AVG(d), AVG(amount) FROM t"
        + " WHERE grp IS NOT NULL GROUP BY grp ORDER BY grp");
    Map<String, List<Row>> groups = groupBy(rows, Row::grp, NULLS_FIRST);
    assertThat(actual).extracting(r -> r.get(0)).containsExactly("a", "b", "c");
    for (List<Object> row : actual) {
      List<Row> g = groups.get((String) row.get(0));
      List<Integer> ns = g.stream().map(Row::n).filter(Objects::nonNull).toList();
      if (ns.isEmpty()) {
        assertThat(row.get(1)).isNull();
      } else {
        assertThat((Double) row.get(1)).isCloseTo(
            ns.stream().mapToDouble(Integer::doubleValue).average().getAsDouble(), within(1e-9));
      }
      assertThat((Double) row.get(2)).isCloseTo(g.stream().map(Row::d).filter(Objects::nonNull)
          .mapToDouble(Double::doubleValue).average().getAsDouble(), within(1e-9));
      List<BigDecimal> amounts = g.stream().map(Row::amount).filter(Objects::nonNull).toList();
      BigDecimal exact = sumAmount(g).divide(BigDecimal.valueOf(amounts.size()),
          MathContext.DECIMAL64);
      assertThat(((BigDecimal) row.get(3)).subtract(exact).abs())
          .isLessThanOrEqualTo(new BigDecimal("0.01"));
    }
  }

  @Test void decimalSumsAreExactAndTyped() throws SQLException {
    try (ResultSet rs = connection.createStatement().executeQuery(
        "SELECT SUM(amount), COUNT(*), MIN(amount) FROM t WHERE grp = 'b'")) {
      ResultSetMetaData md = rs.getMetaData();
      assertThat(md.getColumnType(1)).isEqualTo(Types.DECIMAL);
      assertThat(md.getScale(1)).isEqualTo(2);
      assertThat(md.getColumnType(2)).isEqualTo(Types.BIGINT);
      assertThat(rs.next()).isTrue();
      List<Row> b = rows.stream().filter(r -> "b".equals(r.grp())).toList();
      assertThat(rs.getBigDecimal(1)).isEqualTo(sumAmount(b));
      assertThat(rs.getLong(2)).isEqualTo(b.size());
      assertThat(rs.getBigDecimal(3)).isEqualTo(b.stream().map(Row::amount)
          .filter(Objects::nonNull).min(BigDecimal::compareTo).get());
    }
  }

  @Test void distinctAndCountDistinct() throws SQLException {
    assertThat(query("SELECT DISTINCT grp FROM t ORDER BY grp NULLS FIRST"))
        .containsExactly(Arrays.asList((Object) null), List.of("a"), List.of("b"), List.of("c"));
    Map<String, Long> expected = new TreeMap<>();
    groupBy(rows, Row::grp, NULLS_FIRST).forEach((grp, g) -> {
      if (grp != null) {
        expected.put(grp, g.stream().map(Row::n).filter(Objects::nonNull).distinct().count());
      }
    });
    List<List<Object>> actual = query("SELECT grp, COUNT(DISTINCT n) FROM t"
        + " WHERE grp IS NOT NULL GROUP BY grp ORDER BY grp");
    Map<String, Long> counted = new TreeMap<>();
    actual.forEach(r -> counted.put((String) r.get(0), (Long) r.get(1)));
    assertThat(counted).isEqualTo(expected);
  }

  @Test void parametersAndSingleShardFilters() throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT grp, COUNT(*), SUM(big) FROM t WHERE id <= ? GROUP BY grp ORDER BY 2, 1 NULLS FIRST")) {
      for (int limit : new int[] {3, 100}) {
        ps.setInt(1, limit);
        List<Row> in = rows.stream().filter(r -> r.id() <= limit).toList();
        List<List<Object>> expected = new ArrayList<>();
        groupBy(in, Row::grp, NULLS_FIRST).forEach((grp, g) -> expected.add(Arrays.asList(grp,
            (long) g.size(), g.stream().mapToLong(Row::big).sum())));
        expected.sort(Comparator.comparing((List<Object> r) -> (Long) r.get(1))
            .thenComparing(r -> (String) r.get(0), NULLS_FIRST));
        List<List<Object>> actual = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            actual.add(Arrays.asList(rs.getString(1), rs.getLong(2), rs.getLong(3)));
          }
        }
        assertThat(actual).as("id <= %d", limit).containsExactlyElementsOf(expected);
      }
    }
    Row r42 = rows.get(41);
    assertThat(query("SELECT COUNT(*), SUM(n), MAX(grp) FROM t WHERE id = 42"))
        .containsExactly(Arrays.asList(1L, r42.n() == null ? null : r42.n().longValue(),
            r42.grp()));
  }

  @Test void groupByAnExpressionComputedOnTheShards() throws SQLException {
    String sql = "SELECT MOD(id, 4) AS m, COUNT(*), SUM(n) FROM t WHERE grp IS NOT NULL"
        + " GROUP BY MOD(id, 4) ORDER BY m";
    List<List<Object>> expected = new ArrayList<>();
    groupBy(rows.stream().filter(r -> r.grp() != null).toList(), r -> r.id() % 4,
        Comparator.<Integer>naturalOrder()).forEach((m, g) -> expected.add(Arrays.asList(m,
            (long) g.size(), sumN(g))));

    assertThat(query(sql)).containsExactlyElementsOf(expected);
    assertThat(JdbcTesting.explain(connection, sql)).contains("ShardAggregate", "ShardProject");
  }

  @Test void explainShowsThePartialAggregateOnTheShards() throws SQLException {
    String plan = JdbcTesting.explain(connection,
        "SELECT grp, COUNT(*), SUM(amount) FROM t WHERE d > 1 GROUP BY grp");
    assertThat(plan).contains("EnumerableAggregate(group=[{0}], EXPR$1=[$SUM0($1)],"
        + " EXPR$2=[SUM($2)])", "ShardToEnumerableConverter",
        "ShardAggregate(group=[{1}], EXPR$1=[COUNT()], EXPR$2=[SUM($5)])", "ShardFilter");
  }
}
