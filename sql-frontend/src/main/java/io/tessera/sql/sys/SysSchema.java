package io.tessera.sql.sys;

import com.google.common.collect.ImmutableMap;
import io.grpc.Channel;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.exec.ClusterReads;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.MetadataSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The read-only schema {@value #NAME}: the cluster's shard nodes and shards, as the metadata
 * cache (ZooKeeper) configures them and as the live nodes report them ({@code ReplicaStatus},
 * asked in parallel with a short deadline at every scan). Its tables are JDBC
 * {@code SYSTEM TABLE}s, so {@code getTables(..., {"TABLE"})} does not list them.
 *
 * <ul>
 *   <li>{@code SYS.NODES}: NODE_ID, ADDRESS, LIVE, STARTED_AT, REPLICAS, PRIMARIES — every live
 *       node and every node a shard names (a dead one with LIVE false);</li>
 *   <li>{@code SYS.SHARDS}: SHARD_ID, TABLE_NAME, SHARD_ORDINAL, EPOCH, PRIMARY_NODE, REPLICAS,
 *       SYNC_SET (comma-separated node ids), ROLES ({@code node role, ...}), the primary's
 *       LAST_LSN and COMMIT_LSN, FOLLOWER_LAG ({@code node entries, ...}), MAX_LAG and
 *       SERVING;</li>
 *   <li>{@code SYS.REPLICAS}: one row per replica: SHARD_ID, TABLE_NAME, NODE_ID, IS_PRIMARY,
 *       IN_SYNC_SET, LIVE, ROLE, LAST_LSN, LAG.</li>
 * </ul>
 * See {@link ShardReplication} for the roles and the lag.
 */
public final class SysSchema extends AbstractSchema {
  public static final String NAME = "SYS";

  private final ClusterClient client;
  private final Function<String, Channel> channels;
  private final Duration deadline;
  private final Map<String, Table> tables;

  public SysSchema(ClusterClient client, Function<String, Channel> channels, Duration deadline) {
    this.client = client;
    this.channels = channels;
    this.deadline = deadline;
    this.tables = ImmutableMap.of("NODES", new NodesTable(), "SHARDS", new ShardsTable(),
        "REPLICAS", new ReplicasTable());
  }

  /** Adds {@value #NAME} over {@code client} to a connection's root schema. */
  public static SchemaPlus attach(SchemaPlus root, ClusterClient client) {
    ClusterReads reads = ClusterReads.of(client);
    return root.add(NAME, new SysSchema(client, address -> reads.channels().channel(address),
        ReplicaStatusProbe.DEFAULT_DEADLINE));
  }

  @Override protected Map<String, Table> getTableMap() {
    return tables;
  }

  /** The replication of every shard, ordered by table name and ordinal. */
  public List<ShardReplication> shards() {
    MetadataSnapshot m = client.metadata().snapshot();
    Map<String, String> live = new HashMap<>();
    m.nodes().forEach((id, n) -> live.put(id, n.getAddress()));
    Map<String, ReplicaStatusProbe.NodeAnswer> answers =
        ReplicaStatusProbe.probe(live, channels, deadline);
    Map<Long, String> names = new HashMap<>();
    for (TableSchema t : m.tables().values()) {
      names.put(t.getTableId(), t.getName());
    }
    List<ShardReplication> out = new ArrayList<>();
    for (List<ShardState> shards : m.shards().values()) {
      for (ShardState s : shards) {
        out.add(ShardReplication.of(s, names.getOrDefault(s.getTableId(), "#" + s.getTableId()),
            answers, live.keySet()));
      }
    }
    out.sort(Comparator.comparing(ShardReplication::tableName)
        .thenComparingInt(r -> r.state().getOrdinal())
        .thenComparingLong(r -> r.state().getShardId()));
    return out;
  }

  private abstract static class SystemTable extends AbstractTable implements ScannableTable {
    @Override public Schema.TableType getJdbcTableType() {
      return Schema.TableType.SYSTEM_TABLE;
    }
  }

  /** A column type: nullable unless {@code notNull}. */
  private static RelDataType type(RelDataTypeFactory f, SqlTypeName name, boolean notNull) {
    RelDataType t = name == SqlTypeName.VARCHAR ? f.createSqlType(name, 1 << 16)
        : f.createSqlType(name);
    return f.createTypeWithNullability(t, !notNull);
  }

  private final class NodesTable extends SystemTable {
    @Override public RelDataType getRowType(RelDataTypeFactory f) {
      return f.builder()
          .add("NODE_ID", type(f, SqlTypeName.VARCHAR, true))
          .add("ADDRESS", type(f, SqlTypeName.VARCHAR, false))
          .add("LIVE", type(f, SqlTypeName.BOOLEAN, true))
          .add("STARTED_AT", type(f, SqlTypeName.TIMESTAMP, false))
          .add("REPLICAS", type(f, SqlTypeName.INTEGER, true))
          .add("PRIMARIES", type(f, SqlTypeName.INTEGER, true))
          .build();
    }

    @Override public Enumerable<@Nullable Object[]> scan(DataContext root) {
      MetadataSnapshot m = client.metadata().snapshot();
      Map<String, int[]> counts = new TreeMap<>();
      m.nodes().keySet().forEach(id -> counts.put(id, new int[2]));
      for (List<ShardState> shards : m.shards().values()) {
        for (ShardState s : shards) {
          for (String n : s.getReplicasList()) {
            counts.computeIfAbsent(n, k -> new int[2])[0]++;
          }
          if (!s.getPrimary().isEmpty()) {
            counts.computeIfAbsent(s.getPrimary(), k -> new int[2])[1]++;
          }
        }
      }
      List<@Nullable Object[]> rows = new ArrayList<>();
      counts.forEach((id, c) -> {
        NodeInfo n = m.nodes().get(id);
        rows.add(new Object[] {id, n == null ? null : n.getAddress(), n != null,
            n == null || n.getStartedAtMillis() == 0 ? null : n.getStartedAtMillis(), c[0], c[1]});
      });
      return Linq4j.asEnumerable(rows);
    }
  }

  private final class ShardsTable extends SystemTable {
    @Override public RelDataType getRowType(RelDataTypeFactory f) {
      return f.builder()
          .add("SHARD_ID", type(f, SqlTypeName.BIGINT, true))
          .add("TABLE_NAME", type(f, SqlTypeName.VARCHAR, true))
          .add("SHARD_ORDINAL", type(f, SqlTypeName.INTEGER, true))
          .add("EPOCH", type(f, SqlTypeName.BIGINT, true))
          .add("PRIMARY_NODE", type(f, SqlTypeName.VARCHAR, false))
          .add("REPLICAS", type(f, SqlTypeName.VARCHAR, true))
          .add("SYNC_SET", type(f, SqlTypeName.VARCHAR, true))
          .add("ROLES", type(f, SqlTypeName.VARCHAR, true))
          .add("LAST_LSN", type(f, SqlTypeName.BIGINT, false))
          .add("COMMIT_LSN", type(f, SqlTypeName.BIGINT, false))
          .add("FOLLOWER_LAG", type(f, SqlTypeName.VARCHAR, true))
          .add("MAX_LAG", type(f, SqlTypeName.BIGINT, false))
          .add("SERVING", type(f, SqlTypeName.BOOLEAN, false))
          .build();
    }

    @Override public Enumerable<@Nullable Object[]> scan(DataContext root) {
      List<@Nullable Object[]> rows = new ArrayList<>();
      for (ShardReplication r : shards()) {
        ShardState s = r.state();
        rows.add(new Object[] {s.getShardId(), r.tableName(), s.getOrdinal(), s.getEpoch(),
            s.getPrimary().isEmpty() ? null : s.getPrimary(), String.join(",", s.getReplicasList()),
            String.join(",", s.getSyncSetList()), r.roles(), r.lastLsn(), r.commitLsn(),
            r.followerLag(), r.maxLag(), r.serving()});
      }
      return Linq4j.asEnumerable(rows);
    }
  }

  private final class ReplicasTable extends SystemTable {
    @Override public RelDataType getRowType(RelDataTypeFactory f) {
      return f.builder()
          .add("SHARD_ID", type(f, SqlTypeName.BIGINT, true))
          .add("TABLE_NAME", type(f, SqlTypeName.VARCHAR, true))
          .add("NODE_ID", type(f, SqlTypeName.VARCHAR, true))
          .add("IS_PRIMARY", type(f, SqlTypeName.BOOLEAN, true))
          .add("IN_SYNC_SET", type(f, SqlTypeName.BOOLEAN, true))
          .add("LIVE", type(f, SqlTypeName.BOOLEAN, true))
          .add("ROLE", type(f, SqlTypeName.VARCHAR, true))
          .add("LAST_LSN", type(f, SqlTypeName.BIGINT, false))
          .add("LAG", type(f, SqlTypeName.BIGINT, false))
          .build();
    }

    @Override public Enumerable<@Nullable Object[]> scan(DataContext root) {
      List<@Nullable Object[]> rows = new ArrayList<>();
      for (ShardReplication r : shards()) {
        for (ShardReplication.Replica x : r.replicas()) {
          rows.add(new Object[] {r.state().getShardId(), r.tableName(), x.nodeId(), x.primary(),
              x.inSyncSet(), x.live(), x.role(), x.lastLsn(), x.lag()});
        }
      }
      return Linq4j.asEnumerable(rows);
    }
  }
}
