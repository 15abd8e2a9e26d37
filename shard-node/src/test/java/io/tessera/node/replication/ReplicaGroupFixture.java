package io.tessera.node.replication;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tessera.node.NodeFixture;
import io.tessera.node.ShardNode;
import io.tessera.node.ShardNodeConfig;
import io.tessera.node.storage.KeyRange;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/**
 * An embedded ZooKeeper, three shard nodes (n1, n2, n3) holding one shard (NodeFixture.SHARD, the
 * ITEMS table) with RF=3, and a stand-in for the leading coordinator's {@code ChangeSyncSet}: it
 * applies the change to {@code /shards/<id>/state} by CAS while epoch and primary are current and
 * answers with the resulting state, as the coordinator's does.
 */
final class ReplicaGroupFixture implements AutoCloseable {
    static final long SHARD = NodeFixture.SHARD;
    static final String CLUSTER = "repl";

    final Path dir;
    final ShardNodeConfig.ReplicationSettings settings;
    final ZooKeeperServerEmbedded zk;
    final CuratorFramework curator;
    final Server coordinator;
    final Map<String, ShardNode> nodes = new java.util.concurrent.ConcurrentHashMap<>();
    final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    /** Every ChangeSyncSet the stand-in coordinator received, in order. */
    final List<SyncSetChangeRequest> changes = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Nodes the stand-in coordinator refuses to add (besides those not live or holding no replica, as the real one). */
    final Set<String> refuseAdds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * The stand-in coordinator's timestamp oracle: GetTimestamps hands out this value, this value +
     * Timestamps.ORACLE_STEP, ...: multiples of the step, as the real oracle's, once it is set to one;
     * it starts at 1 so that tests can write and read at small timestamps above a new primary's floor.
     */
    final java.util.concurrent.atomic.AtomicLong oracle = new java.util.concurrent.atomic.AtomicLong(1);
    /** How many GetTimestamps calls the stand-in oracle answered. */
    final java.util.concurrent.atomic.AtomicLong oracleCalls = new java.util.concurrent.atomic.AtomicLong();
    /** While set, GetTimestamps fails (the oracle is unreachable). */
    volatile boolean oracleDown;
    private long seq;

    ReplicaGroupFixture(Path dir, ShardNodeConfig.ReplicationSettings settings) throws Exception {
        this.dir = dir;
        this.settings = settings;
        Properties p = new Properties();
        p.setProperty("clientPort", "0");
        p.setProperty("tickTime", "500");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("4lw.commands.whitelist", "ruok,srvr");
        java.nio.file.Files.createDirectories(dir.resolve("zk"));
        zk = ZooKeeperServerEmbedded.builder().baseDir(dir.resolve("zk")).configuration(p)
                .exitHandler(ExitHandler.LOG_ONLY).build();
        zk.start();
        curator = CuratorFrameworkFactory.builder().connectString(connect()).namespace(ZkPaths.namespace(CLUSTER))
                .retryPolicy(new RetryOneTime(100)).build();
        curator.start();
        if (!curator.blockUntilConnected(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no ZooKeeper");
        }
        coordinator = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new SyncSetCoordinator()).build().start();
        int port = ((InetSocketAddress) coordinator.getListenSockets().get(0)).getPort();
        curator.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.COORDINATOR_LEADER,
                CoordinatorInfo.newBuilder().setCoordinatorId("c1").setAddress("127.0.0.1:" + port).setEpoch(1).build()
                        .toByteArray());
        for (String id : List.of("n1", "n2", "n3")) {
            start(id);
        }
    }

    String connect() {
        return "127.0.0.1:" + zk.getClientPort();
    }

    ShardNode start(String id) throws Exception {
        ShardNode n = new ShardNode(ShardNodeConfig.persistent(dir.resolve(id)).withNodeId(id)
                .withZooKeeper(connect(), CLUSTER).withReplication(settings)).start();
        nodes.put(id, n);
        ManagedChannel old = channels.put(id, ManagedChannelBuilder.forTarget(n.address()).usePlaintext().build());
        if (old != null) {
            old.shutdownNow();
        }
        return n;
    }

    void stop(String id) {
        nodes.remove(id).close();
        channels.remove(id).shutdownNow();
    }

    /** How many ChangeSyncSet requests so far asked to add {@code id}. */
    long addsOf(String id) {
        synchronized (changes) {
            return changes.stream().filter(c -> c.getAddList().contains(id)).count();
        }
    }

    static ShardState state(long epoch, String primary, List<String> syncSet) {
        return state(epoch, primary, List.of("n1", "n2", "n3"), syncSet);
    }

    static ShardState state(long epoch, String primary, List<String> replicas, List<String> syncSet) {
        return ShardState.newBuilder().setShardId(SHARD).setTableId(42).setEpoch(epoch).setPrimary(primary)
                .addAllReplicas(replicas).addAllSyncSet(syncSet).build();
    }

    /** Writes the state to ZooKeeper, then pushes it with OpenReplica to {@code to}, as the coordinator does. */
    void install(ShardState s, String... to) throws Exception {
        if (curator.checkExists().forPath(ZkPaths.shardState(SHARD)) == null) {
            curator.create().creatingParentsIfNeeded().forPath(ZkPaths.shardState(SHARD), s.toByteArray());
        } else {
            curator.setData().forPath(ZkPaths.shardState(SHARD), s.toByteArray());
        }
        for (String id : to) {
            var resp = stub(id).openReplica(OpenReplicaRequest.newBuilder().setShard(s)
                    .setTable(NodeFixture.defaultSchema()).build());
            if (resp.hasError()) {
                throw new AssertionError("open on " + id + ": " + resp.getError());
            }
        }
    }

    ShardState zkState() throws Exception {
        return ShardState.parseFrom(curator.getData().forPath(ZkPaths.shardState(SHARD)));
    }

    ShardServiceGrpc.ShardServiceBlockingStub stub(String id) {
        return ShardServiceGrpc.newBlockingStub(channels.get(id)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    Replica replica(String id) {
        return nodes.get(id).replicas().get(SHARD);
    }

    WriteResponse insert(String id, long epoch, long commitTs, long... ids) {
        return insertAs(++seq, id, epoch, commitTs, ids);
    }

    /** A write with an explicit seq (a retry resends the same one). */
    WriteResponse insertAs(long seq, String id, long epoch, long commitTs, long... ids) {
        WriteRequest.Builder b = WriteRequest.newBuilder().setShard(ShardRef.newBuilder().setShardId(SHARD).setEpoch(epoch))
                .setCommitTs(commitTs).setSchemaVersion(1).setClientId("fixture").setSeq(seq);
        for (long i : ids) {
            b.addMutations(NodeFixture.insert(NodeFixture.item(i, "name" + i, (int) i, null, "e" + i + "@x")));
        }
        return stub(id).write(b.build());
    }

    GetResponse get(String id, long epoch, long readTs, long key) {
        return stub(id).get(GetRequest.newBuilder().setShard(ShardRef.newBuilder().setShardId(SHARD).setEpoch(epoch))
                .setReadTs(readTs).addKeys(ByteString.copyFrom(NodeFixture.KEYS.encode(new Object[] {key}))).build());
    }

    /** The replica's rows at the newest timestamp, as strings, in key order. */
    List<String> contents(String id) {
        List<String> out = new ArrayList<>();
        Iterator<Object[]> it = replica(id).scan(Long.MAX_VALUE, KeyRange.ALL);
        while (it.hasNext()) {
            out.add(Arrays.toString(it.next()));
        }
        return out;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    static ShardNodeConfig.ReplicationSettings fastSettings() {
        return ShardNodeConfig.ReplicationSettings.DEFAULTS.withHeartbeat(Duration.ofMillis(50))
                .withLease(Duration.ofMillis(300)).withReplicationTimeout(Duration.ofMillis(600))
                .withStallTimeout(Duration.ofSeconds(5)).withZkSessionTimeout(Duration.ofSeconds(4));
    }

    @Override
    public void close() throws Exception {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        for (ShardNode n : nodes.values()) {
            n.close();
        }
        coordinator.shutdownNow();
        curator.close();
        zk.close();
    }

    /**
     * ChangeSyncSet as the leading coordinator applies it (CAS on the state's znode version), and
     * GetTimestamps from {@link #oracle}.
     */
    private final class SyncSetCoordinator extends CoordinatorServiceGrpc.CoordinatorServiceImplBase {
        @Override
        public void getTimestamps(io.tessera.protocol.proto.TimestampRequest req,
                StreamObserver<io.tessera.protocol.proto.TimestampResponse> obs) {
            if (oracleDown) {
                obs.onError(io.grpc.Status.UNAVAILABLE.withDescription("oracle down (test)").asRuntimeException());
                return;
            }
            int n = Math.max(1, req.getCount());
            long step = io.tessera.protocol.time.Timestamps.ORACLE_STEP;
            long first = oracle.getAndAdd(n * step);
            oracleCalls.incrementAndGet();
            obs.onNext(io.tessera.protocol.proto.TimestampResponse.newBuilder().setFirst(first).setCount(n).setStep(step)
                    .build());
            obs.onCompleted();
        }

        @Override
        public void changeSyncSet(SyncSetChangeRequest req, StreamObserver<SyncSetChangeResponse> obs) {
            SyncSetChangeResponse resp;
            changes.add(req);
            try {
                while (true) {
                    Stat stat = new Stat();
                    ShardState cur = ShardState.parseFrom(curator.getData().storingStatIn(stat)
                            .forPath(ZkPaths.shardState(req.getShardId())));
                    if (cur.getEpoch() != req.getEpoch() || !cur.getPrimary().equals(req.getPrimary())) {
                        resp = SyncSetChangeResponse.newBuilder().setState(cur).setError(ShardErrors.of(
                                Error.Code.STALE_EPOCH, "epoch or primary moved on")).build();
                        break;
                    }
                    Set<String> sync = new LinkedHashSet<>(cur.getSyncSetList());
                    sync.removeAll(req.getRemoveList());
                    for (String a : req.getAddList()) {
                        ShardNode holder = nodes.get(a);
                        boolean holds = holder != null && holder.replicas().get(req.getShardId()) != null;
                        if (cur.getReplicasList().contains(a) && holds && !refuseAdds.contains(a)) {
                            sync.add(a); // the real coordinator, too, adds only live nodes that hold a replica
                        }
                    }
                    sync.add(cur.getPrimary());
                    ShardState next = cur.toBuilder().clearSyncSet().addAllSyncSet(sync).build();
                    try {
                        curator.setData().withVersion(stat.getVersion()).forPath(ZkPaths.shardState(req.getShardId()),
                                next.toByteArray());
                        resp = SyncSetChangeResponse.newBuilder().setState(next).build();
                        break;
                    } catch (org.apache.zookeeper.KeeperException.BadVersionException e) {
                        // raced with another change: read again
                    }
                }
            } catch (Exception e) {
                resp = SyncSetChangeResponse.newBuilder().setError(ShardErrors.of(Error.Code.INTERNAL, e.toString())).build();
            }
            obs.onNext(resp);
            obs.onCompleted();
        }
    }

    static Mutation row(long i) {
        return NodeFixture.insert(NodeFixture.item(i, "name" + i, (int) i, null, "e" + i + "@x"));
    }
}
