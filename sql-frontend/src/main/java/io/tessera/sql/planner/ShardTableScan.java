package io.tessera.sql.planner;

import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.exec.ShardScanner;
import io.tessera.sql.schema.ShardedTable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Scan of one sharded table over its target shards: all of them, or only those owning the
 * shard-key values the filter fixes; optionally restricted to a key range of the primary key or
 * a secondary index ({@link ShardAccess}); optionally at a past snapshot ({@code FOR SYSTEM_TIME
 * AS OF}, {@link #asOf()}). Registering it adds {@link ShardRules}.
 */
public final class ShardTableScan extends TableScan implements ShardRel {
  private final ShardedTable shardedTable;
  private final ShardAccess access;
  /** The time of {@code FOR SYSTEM_TIME AS OF} (a constant TIMESTAMP expression), or null. */
  private final @Nullable RexNode asOf;

  private ShardTableScan(RelOptCluster cluster, RelTraitSet traitSet, RelOptTable table,
      ShardedTable shardedTable, ShardAccess access, @Nullable RexNode asOf) {
    super(cluster, ShardRel.unsorted(traitSet), List.of(), table);
    this.shardedTable = shardedTable;
    this.access = access;
    this.asOf = asOf;
  }

  public static ShardTableScan create(RelOptCluster cluster, RelOptTable table,
      ShardedTable shardedTable) {
    return new ShardTableScan(cluster, cluster.traitSetOf(CONVENTION), table, shardedTable,
        ShardAccess.FULL, null);
  }

  /** The same scan restricted by {@code access}. */
  ShardTableScan withAccess(ShardAccess access) {
    return new ShardTableScan(getCluster(), getTraitSet(), getTable(), shardedTable, access,
        asOf);
  }

  /** The same scan reading the snapshot of the time {@code asOf} ({@link AsOfScans}). */
  ShardTableScan withAsOf(RexNode asOf) {
    return new ShardTableScan(getCluster(), getTraitSet(), getTable(), shardedTable, access,
        asOf);
  }

  /** The time of the snapshot this scan reads ({@code FOR SYSTEM_TIME AS OF}), or null. */
  public @Nullable RexNode asOf() {
    return asOf;
  }

  public ShardedTable shardedTable() {
    return shardedTable;
  }

  public ShardAccess access() {
    return access;
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    assert inputs.isEmpty();
    return new ShardTableScan(getCluster(), traitSet, getTable(), shardedTable, access, asOf);
  }

  @Override public void register(RelOptPlanner planner) {
    ShardRules.register(planner);
  }

  @Override public void implement(Implementor implementor) {
    implementor.table = shardedTable;
    implementor.relTable = getTable();
    implementor.access = access;
    implementor.asOf = asOf;
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    List<ShardState> shards = shardedTable.shards();
    int total = shards.size();
    List<List<KeyValue>> keys = access.shardKeys();
    String target;
    if (keys == null) {
      target = total + "";
    } else {
      Set<Integer> owners = ownersAtPlanTime(shardedTable.schema(), shards, keys);
      target = (owners == null ? "<=" + Math.min(keys.size(), total) : owners.size() + "")
          + " of " + total;
    }
    super.explainTerms(pw)
        .item("shards", target)
        .itemIf("shardKey", "[" + access.describeShardKeys() + "]", keys != null)
        .itemIf("index", access.describeIndex(), !access.describeIndex().isEmpty());
    return pw.itemIf("range", access.describeRange(),
            !access.lower().isEmpty() || !access.upper().isEmpty())
        .itemIf("asOf", asOf, asOf != null);
  }

  /**
   * Ordinals of the shards owning constant shard-key tuples; null when some are parameters (they
   * are pruned at execution time).
   */
  static @Nullable Set<Integer> ownersAtPlanTime(TableSchema schema, List<ShardState> shards,
      List<List<KeyValue>> keys) {
    ColumnType[] types = ShardScanner.shardKeyTypes(schema);
    Set<Integer> owners = new TreeSet<>();
    for (List<KeyValue> tuple : keys) {
      Object[] values = new Object[tuple.size()];
      for (int i = 0; i < values.length; i++) {
        if (tuple.get(i).isParam()) {
          return null;
        }
        values[i] = tuple.get(i).resolve(Params.UNBOUND);
      }
      long hash = ShardHash.hash(KeyCodec.encodeTuple(types, values));
      for (ShardState s : shards) {
        if (ShardHash.contains(s.getHashLo(), s.getHashHi(), hash)) {
          owners.add(s.getOrdinal());
        }
      }
    }
    return owners;
  }

  @Override public double estimateRowCount(RelMetadataQuery mq) {
    double rows = table.getRowCount();
    TableSchema schema = shardedTable.schema();
    int shardCount = Math.max(1, schema.getShardCount());
    List<List<KeyValue>> keys = access.shardKeys();
    if (keys != null) {
      rows = rows * Math.min(keys.size(), shardCount) / shardCount;
    }
    if (access.isPointOn(schema) && (access.indexId() == 0 || isUniqueIndex(schema))) {
      return Math.max(1d, keys == null ? 1d : keys.size());
    }
    int equalities = Math.min(access.lower().size(), access.upper().size());
    for (int i = 0; i < equalities; i++) {
      if (access.lower().get(i).equals(access.upper().get(i))) {
        rows *= 0.1;
      }
    }
    if (access.lower().size() > equalities || access.upper().size() > equalities
        || !access.lowerInclusive() || !access.upperInclusive()) {
      rows *= 0.3;
    }
    return Math.max(1d, rows);
  }

  private boolean isUniqueIndex(TableSchema schema) {
    return schema.getIndexesList().stream()
        .anyMatch(i -> i.getIndexId() == access.indexId() && i.getUnique());
  }

  @Override public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner,
      RelMetadataQuery mq) {
    double rows = estimateRowCount(mq);
    // One round trip per target shard on top of the rows read.
    List<List<KeyValue>> keys = access.shardKeys();
    double shards = keys == null ? Math.max(1, shardedTable.schema().getShardCount())
        : keys.size();
    return planner.getCostFactory().makeCost(rows, rows + shards * 10, rows * 0.1);
  }
}
