package io.tessera.cli.chaos;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.FollowerProgress;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ReplicaStatus;
import io.tessera.protocol.proto.ReplicaStatusRequest;
import io.tessera.protocol.proto.ReplicaStatusResponse;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;

/**
 * The harness's eyes: what ZooKeeper says (live nodes, leading coordinator, shard states; read
 * directly, never cached) and what the nodes say about their replicas ({@code ReplicaStatus}).
 */
public final class ClusterView implements AutoCloseable {
    private static final Duration RPC_DEADLINE = Duration.ofSeconds(2);

    private final CuratorFramework zk;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    private ClusterView(CuratorFramework zk) {
        this.zk = zk;
    }

    public static ClusterView connect(String zkConnect, String cluster, Duration timeout)
            throws IOException, InterruptedException {
        CuratorFramework zk = CuratorFrameworkFactory.builder()
                .connectString(zkConnect)
                .namespace(ZkPaths.namespace(cluster))
                .retryPolicy(new ExponentialBackoffRetry(100, 5))
                .connectionTimeoutMs((int) Math.min(timeout.toMillis(), 15_000))
                .build();
        zk.start();
        if (!zk.blockUntilConnected((int) timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new IOException("cannot reach ZooKeeper at " + zkConnect + " within " + timeout);
        }
        return new ClusterView(zk);
    }

    /** Live shard nodes: id → gRPC address. */
    public Map<String, String> liveNodes() throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String id : children(ZkPaths.NODES_LIVE)) {
            Optional<byte[]> b = data(ZkPaths.liveNode(id));
            if (b.isPresent() && b.get().length > 0) {
                out.put(id, NodeInfo.parseFrom(b.get()).getAddress());
            }
        }
        return out;
    }

    /** The id of the leading coordinator, if one leads. */
    public Optional<String> leaderCoordinator() throws Exception {
        Optional<byte[]> b = data(ZkPaths.COORDINATOR_LEADER);
        return b.isPresent() && b.get().length > 0
                ? Optional.of(CoordinatorInfo.parseFrom(b.get()).getCoordinatorId()) : Optional.empty();
    }

    /** The schema of a table (name as stored: upper case unless quoted), if it exists. */
    public Optional<TableSchema> table(String name) throws Exception {
        Optional<byte[]> b = data(ZkPaths.table(name));
        return b.isPresent() ? Optional.of(TableSchema.parseFrom(b.get())) : Optional.empty();
    }

    /** The states of a table's shards, in ordinal order. */
    public List<ShardState> shards(long tableId) throws Exception {
        List<ShardState> out = new ArrayList<>();
        for (String id : children(ZkPaths.SHARDS)) {
            Optional<byte[]> b = data(ZkPaths.SHARDS + "/" + id + "/state");
            if (b.isPresent()) {
                ShardState s = ShardState.parseFrom(b.get());
                if (s.getTableId() == tableId) {
                    out.add(s);
                }
            }
        }
        out.sort(Comparator.comparingInt(ShardState::getOrdinal));
        return out;
    }

    public Optional<ShardState> shard(long shardId) throws Exception {
        Optional<byte[]> b = data(ZkPaths.shardState(shardId));
        return b.isPresent() ? Optional.of(ShardState.parseFrom(b.get())) : Optional.empty();
    }

    /** Shard ids whose primary is {@code nodeId}. */
    public static List<Long> primaryOf(List<ShardState> shards, String nodeId) {
        List<Long> out = new ArrayList<>();
        for (ShardState s : shards) {
            if (s.getPrimary().equals(nodeId)) {
                out.add(s.getShardId());
            }
        }
        return out;
    }

    /** A node's report on its replicas, or an error text. */
    public record NodeReport(String nodeId, Map<Long, ReplicaStatus> replicas, String error) {
        boolean ok() {
            return error == null;
        }
    }

    /** Asks a node (by address) for the status of all its replicas. */
    public NodeReport replicaStatus(String nodeId, String address) {
        ManagedChannel ch = channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a).usePlaintext().build());
        try {
            ReplicaStatusResponse r = ShardServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(RPC_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .replicaStatus(ReplicaStatusRequest.getDefaultInstance());
            Map<Long, ReplicaStatus> m = new HashMap<>();
            for (ReplicaStatus s : r.getReplicasList()) {
                m.put(s.getShardId(), s);
            }
            return new NodeReport(nodeId, m, null);
        } catch (StatusRuntimeException e) {
            return new NodeReport(nodeId, Map.of(), e.getStatus().getCode() + " " + e.getStatus().getDescription());
        }
    }

    /**
     * What keeps a table's replica groups from being converged, one line per problem; empty when
     * every shard has all its replicas live, in ZooKeeper's sync set, at ZooKeeper's epoch, and at
     * the primary's last lsn (so every replica holds the same log and the same rows).
     */
    public List<String> convergenceProblems(long tableId) throws Exception {
        return convergenceProblems(tableId, true);
    }

    /**
     * As {@link #convergenceProblems(long)}; with {@code sameLsn} false the log positions are not
     * compared (while writes go on, being in the sync set is what "caught up" means).
     */
    public List<String> convergenceProblems(long tableId, boolean sameLsn) throws Exception {
        List<String> problems = new ArrayList<>();
        Map<String, String> live = liveNodes();
        Map<String, NodeReport> reports = new HashMap<>();
        for (ShardState s : shards(tableId)) {
            String shard = "shard " + s.getShardId();
            Set<String> sync = new HashSet<>(s.getSyncSetList());
            for (String replica : s.getReplicasList()) {
                if (!live.containsKey(replica)) {
                    problems.add(shard + ": replica " + replica + " is not live");
                } else if (!sync.contains(replica)) {
                    problems.add(shard + ": replica " + replica + " is not in the sync set " + s.getSyncSetList()
                            + " (epoch " + s.getEpoch() + ")");
                }
            }
            if (!live.containsKey(s.getPrimary()) || !sameLsn) {
                continue;
            }
            NodeReport primaryReport = reports.computeIfAbsent(s.getPrimary(),
                    id -> replicaStatus(id, live.get(id)));
            if (!primaryReport.ok()) {
                problems.add(shard + ": primary " + s.getPrimary() + " ReplicaStatus failed: " + primaryReport.error());
                continue;
            }
            ReplicaStatus p = primaryReport.replicas().get(s.getShardId());
            if (p == null) {
                problems.add(shard + ": primary " + s.getPrimary() + " reports no replica of it");
                continue;
            }
            if (p.getRole() != ReplicaStatus.Role.PRIMARY || p.getEpoch() != s.getEpoch()) {
                problems.add(shard + ": " + s.getPrimary() + " is " + p.getRole() + " at epoch " + p.getEpoch()
                        + ", ZooKeeper says primary at epoch " + s.getEpoch());
            }
            if (p.getCommitLsn() != p.getLastLsn()) {
                problems.add(shard + ": primary commit lsn " + p.getCommitLsn() + " < last lsn " + p.getLastLsn());
            }
            for (FollowerProgress f : p.getFollowersList()) {
                if (f.getAckedLsn() != p.getLastLsn()) {
                    problems.add(shard + ": follower " + f.getNodeId() + " acked lsn " + f.getAckedLsn()
                            + " of " + p.getLastLsn());
                }
            }
            for (String replica : s.getReplicasList()) {
                if (replica.equals(s.getPrimary()) || !live.containsKey(replica)) {
                    continue;
                }
                NodeReport fr = reports.computeIfAbsent(replica, id -> replicaStatus(id, live.get(id)));
                ReplicaStatus f = fr.ok() ? fr.replicas().get(s.getShardId()) : null;
                if (f == null) {
                    problems.add(shard + ": follower " + replica + " reports no replica"
                            + (fr.ok() ? "" : " (" + fr.error() + ")"));
                } else if (f.getLastLsn() != p.getLastLsn() || f.getEpoch() != s.getEpoch()
                        || f.getInstallingSnapshot()) {
                    problems.add(shard + ": follower " + replica + " at lsn " + f.getLastLsn() + " epoch " + f.getEpoch()
                            + (f.getInstallingSnapshot() ? " (installing a snapshot)" : "")
                            + ", primary at lsn " + p.getLastLsn() + " epoch " + s.getEpoch());
                }
            }
        }
        return problems;
    }

    private List<String> children(String path) throws Exception {
        try {
            List<String> names = new ArrayList<>(zk.getChildren().forPath(path));
            names.sort(null);
            return names;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    private Optional<byte[]> data(String path) throws Exception {
        try {
            return Optional.ofNullable(zk.getData().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels.values()) {
            ch.shutdownNow();
        }
        zk.close();
    }
}
