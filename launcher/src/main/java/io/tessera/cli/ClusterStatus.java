package io.tessera.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.tessera.sql.sys.ReplicaStatusProbe;
import io.tessera.sql.sys.ShardReplication;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * What ZooKeeper says about a cluster, read once: live nodes, the leading coordinator, tables,
 * views and shard placement (values are the protobuf messages of {@code meta.proto}); and what the
 * live nodes report about their replicas ({@code ReplicaStatus}, asked in parallel with a short
 * deadline; a node that does not answer shows as such).
 */
record ClusterStatus(
        String zkConnect,
        String cluster,
        List<NodeInfo> liveNodes,
        Optional<CoordinatorInfo> leader,
        int coordinators,
        List<TableSchema> tables,
        List<ViewDef> views,
        List<ShardState> shards,
        Map<String, ReplicaStatusProbe.NodeAnswer> answers) {

    /** Reads ZooKeeper only (no node is asked anything). */
    static ClusterStatus read(CuratorFramework zk, String zkConnect, String cluster) throws Exception {
        return read(zk, zkConnect, cluster, null);
    }

    /**
     * Reads ZooKeeper, then asks every live node for its replicas' status, each within
     * {@code probeDeadline} (null = do not ask).
     */
    static ClusterStatus read(CuratorFramework zk, String zkConnect, String cluster, Duration probeDeadline)
            throws Exception {
        List<NodeInfo> nodes = new ArrayList<>();
        for (byte[] b : children(zk, ZkPaths.NODES_LIVE)) {
            nodes.add(NodeInfo.parseFrom(b));
        }
        nodes.sort(Comparator.comparing(NodeInfo::getNodeId));
        Optional<CoordinatorInfo> leader = data(zk, ZkPaths.COORDINATOR_LEADER).map(b -> parse(CoordinatorInfo::parseFrom, b));
        int coordinators = childNames(zk, ZkPaths.COORDINATOR_LATCH).size();
        List<TableSchema> tables = new ArrayList<>();
        for (byte[] b : children(zk, ZkPaths.TABLES)) {
            tables.add(TableSchema.parseFrom(b));
        }
        tables.sort(Comparator.comparing(TableSchema::getName));
        List<ViewDef> views = new ArrayList<>();
        for (byte[] b : children(zk, ZkPaths.VIEWS)) {
            views.add(ViewDef.parseFrom(b));
        }
        views.sort(Comparator.comparing(ViewDef::getName));
        List<ShardState> shards = new ArrayList<>();
        for (String id : childNames(zk, ZkPaths.SHARDS)) {
            Optional<byte[]> state = data(zk, ZkPaths.SHARDS + "/" + id + "/state");
            if (state.isPresent()) {
                shards.add(ShardState.parseFrom(state.get()));
            }
        }
        shards.sort(Comparator.comparingLong(ShardState::getTableId).thenComparingInt(ShardState::getOrdinal)
                .thenComparingLong(ShardState::getShardId));
        Map<String, ReplicaStatusProbe.NodeAnswer> answers = probeDeadline == null ? Map.of()
                : probe(nodes, probeDeadline);
        return new ClusterStatus(zkConnect, cluster, nodes, leader, coordinators, tables, views, shards, answers);
    }

    private static Map<String, ReplicaStatusProbe.NodeAnswer> probe(List<NodeInfo> nodes, Duration deadline) {
        Map<String, String> addresses = new LinkedHashMap<>();
        nodes.forEach(n -> addresses.put(n.getNodeId(), n.getAddress()));
        Map<String, ManagedChannel> channels = new HashMap<>();
        try {
            return ReplicaStatusProbe.probe(addresses, address -> channels.computeIfAbsent(address,
                    a -> Grpc.newChannelBuilder(a, InsecureChannelCredentials.create()).build()), deadline);
        } finally {
            channels.values().forEach(ManagedChannel::shutdownNow);
        }
    }

    private interface Parser<T> {
        T parse(byte[] b) throws InvalidProtocolBufferException;
    }

    private static <T> T parse(Parser<T> p, byte[] b) {
        try {
            return p.parse(b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> childNames(CuratorFramework zk, String path) throws Exception {
        try {
            List<String> names = new ArrayList<>(zk.getChildren().forPath(path));
            names.sort(Comparator.naturalOrder());
            return names;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    private static List<byte[]> children(CuratorFramework zk, String path) throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (String name : childNames(zk, path)) {
            data(zk, path + "/" + name).filter(b -> b.length > 0).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<byte[]> data(CuratorFramework zk, String path) throws Exception {
        try {
            return Optional.ofNullable(zk.getData().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    void print(PrintStream out) {
        out.printf("Cluster '%s' (ZooKeeper %s)%n", cluster, zkConnect);
        out.printf("Coordinator: %s (%d participating)%n", leader.map(l -> "leader " + l.getCoordinatorId() + " at "
                + l.getAddress() + ", epoch " + l.getEpoch()).orElse("NO LEADER"), coordinators);

        Map<String, int[]> held = new TreeMap<>();
        for (ShardState s : shards) {
            s.getReplicasList().forEach(n -> held.computeIfAbsent(n, k -> new int[2])[0]++);
            if (!s.getPrimary().isEmpty()) {
                held.computeIfAbsent(s.getPrimary(), k -> new int[2])[1]++;
            }
        }
        Set<String> live = new HashSet<>();
        out.printf("%nLive shard nodes (%d):%n", liveNodes.size());
        for (NodeInfo n : liveNodes) {
            live.add(n.getNodeId());
            int[] h = held.getOrDefault(n.getNodeId(), new int[2]);
            ReplicaStatusProbe.NodeAnswer a = answers.get(n.getNodeId());
            out.printf("  %-12s %-22s up since %s, %d replicas, %d primaries%s%n", n.getNodeId(), n.getAddress(),
                    n.getStartedAtMillis() == 0 ? "?" : Instant.ofEpochMilli(n.getStartedAtMillis()), h[0], h[1],
                    a == null || a.response() != null ? "" : a.unsupported() ? " (replica status not supported)"
                            : " (NOT ANSWERING: " + a.problem() + ")");
        }
        List<String> down = held.keySet().stream().filter(n -> !live.contains(n)).toList();
        if (!down.isEmpty()) {
            out.printf("%nDown shard nodes (%d, named by shards but not live):%n", down.size());
            for (String n : down) {
                int[] h = held.get(n);
                out.printf("  %-12s DOWN, %d replicas, %d primaries%n", n, h[0], h[1]);
            }
        }

        Map<Long, String> tableNames = new HashMap<>();
        out.printf("%nTables (%d):%n", tables.size());
        for (TableSchema t : tables) {
            tableNames.put(t.getTableId(), t.getName());
            out.printf("  %s (id %d, schema version %d)%n", t.getName(), t.getTableId(), t.getVersion());
            out.printf("    columns:     %s%n", t.getColumnsList().stream().filter(c -> !c.getHidden())
                    .map(ClusterStatus::column).collect(Collectors.joining(", ")));
            out.printf("    primary key: (%s)%n", columnNames(t, t.getPrimaryKeyList()));
            out.printf("    sharding:    %s(%s), %d shards, replication factor %d%n", t.getStrategy(),
                    columnNames(t, t.getShardKeyList()), t.getShardCount(), t.getReplicationFactor());
            for (IndexDef ix : t.getIndexesList()) {
                out.printf("    index:       %s%s (%s)%n", ix.getUnique() ? "UNIQUE " : "", ix.getName(),
                        columnNames(t, ix.getColumnsList()));
            }
        }
        if (!views.isEmpty()) {
            out.printf("%nViews (%d):%n", views.size());
            for (ViewDef v : views) {
                out.printf("  %s AS %s%n", v.getName(), v.getSql().replaceAll("\\s+", " "));
            }
        }

        out.printf("%nShards (%d):%n", shards.size());
        if (!shards.isEmpty()) {
            out.printf("  %-8s %-16s %4s %6s  %-10s %-28s %-28s %s%n",
                    "SHARD", "TABLE", "ORD", "EPOCH", "PRIMARY", "REPLICAS", "SYNC SET", "HASH RANGE");
            for (ShardState s : shards) {
                out.printf("  %-8d %-16s %4d %6d  %-10s %-28s %-28s %s%n", s.getShardId(),
                        tableNames.getOrDefault(s.getTableId(), "#" + s.getTableId()), s.getOrdinal(), s.getEpoch(),
                        s.getPrimary().isEmpty() ? "-" : s.getPrimary(), String.join(",", s.getReplicasList()),
                        String.join(",", s.getSyncSetList()), range(s));
                if (!answers.isEmpty()) {
                    out.printf("           %s%n", replication(ShardReplication.of(s,
                            tableNames.getOrDefault(s.getTableId(), "#" + s.getTableId()), answers, live)));
                }
            }
        }
        out.flush();
    }

    /** {@code roles: ...; primary last lsn L, commit lsn C, serving; lag: ...} of one shard. */
    static String replication(ShardReplication r) {
        StringBuilder b = new StringBuilder("roles: ").append(r.roles());
        if (r.lastLsn() != null) {
            b.append("; primary last lsn ").append(r.lastLsn()).append(", commit lsn ").append(r.commitLsn())
                    .append(Boolean.TRUE.equals(r.serving()) ? ", serving" : ", NOT SERVING");
        }
        String lag = r.followerLag();
        if (!lag.isEmpty()) {
            b.append("; lag (entries): ").append(lag);
        }
        return b.toString();
    }

    private static String column(ColumnDef c) {
        String type = c.getType().name();
        if (c.getPrecision() > 0) {
            type += c.getScale() > 0 ? "(" + c.getPrecision() + "," + c.getScale() + ")" : "(" + c.getPrecision() + ")";
        }
        return c.getName() + " " + type + (c.getNullable() ? "" : " NOT NULL");
    }

    private static String columnNames(TableSchema t, List<Integer> ordinals) {
        return ordinals.stream()
                .map(i -> i >= 0 && i < t.getColumnsCount() ? t.getColumns(i).getName() : "#" + i)
                .collect(Collectors.joining(", "));
    }

    /** {@code [lo, hi)} as unsigned 64-bit hex; hi = 0 means the end of the hash space. */
    static String range(ShardState s) {
        return String.format("[%016x, %s)", s.getHashLo(),
                s.getHashHi() == 0 ? "end" : String.format("%016x", s.getHashHi()));
    }
}
