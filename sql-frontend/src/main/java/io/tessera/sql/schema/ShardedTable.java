package io.tessera.sql.schema;

import com.google.common.collect.ImmutableList;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.dml.ColumnDefaults;
import io.tessera.sql.dml.ShardTableModify;
import io.tessera.sql.planner.ShardTableScan;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.apache.calcite.adapter.java.AbstractQueryableTable;
import org.apache.calcite.linq4j.QueryProvider;
import org.apache.calcite.linq4j.Queryable;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.ModifiableTable;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.sql2rel.InitializerExpressionFactory;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A Tessera table as Calcite sees it: rows split into hash (or range) shards spread over the shard
 * nodes. Scans become a {@link ShardTableScan} in the SHARD convention, into which the planner
 * pushes filters, projections, sorts and limits; modifications go to {@link ShardTableModify}.
 *
 * <p>The row type is the table's visible columns in table order; the generated row id of a table
 * without a declared primary key is hidden (it is always the last column, so visible ordinals are
 * table ordinals).
 */
public final class ShardedTable extends AbstractQueryableTable
    implements TranslatableTable, ModifiableTable {
  /** Rows assumed per shard when the planner estimates costs (no statistics are kept yet). */
  public static final double ROWS_PER_SHARD_ESTIMATE = 1000d;

  private final TableSchema schema;
  private final Supplier<List<ShardState>> shards;
  private final int visibleColumns;

  /**
   * @param schema the table's stored schema
   * @param shards the table's current shards ordered by ordinal (read on every call, so it
   *     follows splits and failovers)
   */
  public ShardedTable(TableSchema schema, Supplier<List<ShardState>> shards) {
    super(Object[].class);
    this.schema = schema;
    this.shards = shards;
    int visible = 0;
    for (ColumnDef c : schema.getColumnsList()) {
      if (!c.getHidden()) {
        visible++;
      }
    }
    this.visibleColumns = visible;
  }

  /** A table over a fixed list of shards (planning tests). */
  public static ShardedTable of(TableSchema schema, List<ShardState> shards) {
    List<ShardState> copy = ImmutableList.copyOf(shards);
    return new ShardedTable(schema, () -> copy);
  }

  public TableSchema schema() {
    return schema;
  }

  public String name() {
    return schema.getName();
  }

  /** The table's shards ordered by ordinal, as the cluster metadata knows them now. */
  public List<ShardState> shards() {
    return shards.get();
  }

  /** Number of columns SQL sees; the hidden row id (if any) follows them in the stored row. */
  public int visibleColumnCount() {
    return visibleColumns;
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    RelDataTypeFactory.Builder b = typeFactory.builder();
    for (ColumnDef c : schema.getColumnsList()) {
      if (!c.getHidden()) {
        b.add(c.getName(), ColumnTypes.toRelType(typeFactory, c));
      }
    }
    return b.build();
  }

  @Override public Statistic getStatistic() {
    double rows = ROWS_PER_SHARD_ESTIMATE * Math.max(1, schema.getShardCount());
    List<Integer> pk = schema.getPrimaryKeyList();
    boolean pkVisible = !pk.isEmpty();
    for (int c : pk) {
      pkVisible &= c < visibleColumns;
    }
    return pkVisible
        ? Statistics.of(rows, ImmutableList.of(ImmutableBitSet.of(pk)))
        : Statistics.of(rows, ImmutableList.of());
  }

  @Override public RelNode toRel(RelOptTable.ToRelContext context, RelOptTable relOptTable) {
    return ShardTableScan.create(context.getCluster(), relOptTable, this);
  }

  @Override public TableModify toModificationRel(RelOptCluster cluster, RelOptTable table,
      Prepare.CatalogReader catalogReader, RelNode child, TableModify.Operation operation,
      @Nullable List<String> updateColumnList, @Nullable List<RexNode> sourceExpressionList,
      boolean flattened) {
    return ShardTableModify.create(this, cluster, table, catalogReader, child, operation,
        updateColumnList, sourceExpressionList, flattened);
  }

  /** Not used: {@link ShardTableModify} writes through the shard nodes. */
  @Override public @Nullable Collection getModifiableCollection() {
    return null;
  }

  @Override public <T> Queryable<T> asQueryable(QueryProvider queryProvider, SchemaPlus schema,
      String tableName) {
    throw new UnsupportedOperationException("Tessera tables are scanned through ShardTableScan");
  }

  @Override public <C extends Object> @Nullable C unwrap(Class<C> aClass) {
    if (aClass == InitializerExpressionFactory.class) {
      return aClass.cast(new ColumnDefaults(schema));
    }
    return super.unwrap(aClass);
  }

  @Override public String toString() {
    return "ShardedTable(" + schema.getName() + ")";
  }
}
