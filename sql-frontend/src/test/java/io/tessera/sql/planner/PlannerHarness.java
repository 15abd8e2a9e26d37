package io.tessera.sql.planner;

import io.tessera.sql.jdbc.FrontendDriver;
import io.tessera.sql.jdbc.TesseraPrepare;
import io.tessera.sql.schema.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.Driver;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.runtime.Hook;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;

/**
 * Plans SQL with Calcite's own JDBC preparation over a PUBLIC schema of {@link ShardedTable}s
 * that have fixed shard maps (no cluster): EXPLAIN text and the physical plan.
 */
final class PlannerHarness implements AutoCloseable {
  private final Connection connection;

  PlannerHarness(ShardedTable... tables) throws SQLException {
    // Tessera's preparation (rules) and connection settings (type system, casing, ...), without
    // a cluster.
    Properties p = FrontendDriver.withDefaults(new Properties());
    connection = new Driver().withPrepareFactory(TesseraPrepare::new)
        .connect("jdbc:calcite:", p);
    Map<String, Table> map = new HashMap<>();
    for (ShardedTable t : tables) {
      map.put(t.name(), t);
    }
    CalciteConnection calcite = connection.unwrap(CalciteConnection.class);
    calcite.getRootSchema().add("PUBLIC", new AbstractSchema() {
      @Override protected Map<String, Table> getTableMap() {
        return map;
      }
    });
    connection.setSchema("PUBLIC");
  }

  String explain(String sql) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("EXPLAIN PLAN FOR " + sql)) {
      // EXPLAIN executes: give dynamic parameters a value (the plan does not depend on it).
      for (int i = 1; i <= ps.getParameterMetaData().getParameterCount(); i++) {
        ps.setObject(i, 1);
      }
      ResultSet rs = ps.executeQuery();
      StringBuilder b = new StringBuilder();
      while (rs.next()) {
        b.append(rs.getString(1));
      }
      return b.toString();
    }
  }

  /** The physical plan Calcite implements for {@code sql} (prepared, not executed). */
  RelNode physical(String sql) throws SQLException {
    List<RelNode> plans = new ArrayList<>();
    try (Hook.Closeable ignored = Hook.PLAN_BEFORE_IMPLEMENTATION.addThread(
            (RelRoot root) -> plans.add(root.rel));
        PreparedStatement ps = connection.prepareStatement(sql)) {
      return plans.get(plans.size() - 1);
    }
  }

  /** The physical plan of {@code sql} when the planner does not have {@code rules}. */
  RelNode physicalWithout(String sql, RelOptRule... rules) throws SQLException {
    try (Hook.Closeable ignored = Hook.PLANNER.addThread((RelOptPlanner p) -> {
      for (RelOptRule rule : rules) {
        p.removeRule(rule);
      }
    })) {
      return physical(sql);
    }
  }

  /** The shard fragments of the physical plan of {@code sql}, in plan order. */
  List<ShardQuery> queries(String sql) throws SQLException {
    List<ShardQuery> queries = new ArrayList<>();
    collect(physical(sql), queries);
    return queries;
  }

  private static void collect(RelNode rel, List<ShardQuery> out) {
    if (rel instanceof ShardToEnumerableConverter) {
      out.add(((ShardToEnumerableConverter) rel).query());
      return;
    }
    for (RelNode input : rel.getInputs()) {
      collect(input, out);
    }
  }

  static String toString(RelNode rel) {
    return RelOptUtil.toString(rel);
  }

  @Override public void close() throws SQLException {
    connection.close();
  }
}
