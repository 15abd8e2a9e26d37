package io.tessera.coordinator.testing;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.DropReplicaRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.PingRequest;
import io.tessera.protocol.proto.PingResponse;
import io.tessera.protocol.proto.ReplicaStatus;
import io.tessera.protocol.proto.ReplicaStatusRequest;
import io.tessera.protocol.proto.ReplicaStatusResponse;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.UpdateSchemaRequest;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;

/**
 * A shard node reduced to its administrative RPCs (and Ping, ReplicaStatus): a real gRPC server that records what the
 * coordinator asks of it, registered in ZooKeeper like a real node (ephemeral NodeInfo).
 */
public final class FakeShardNode implements AutoCloseable {
    public final List<OpenReplicaRequest> opened = new CopyOnWriteArrayList<>();
    public final List<DropReplicaRequest> dropped = new CopyOnWriteArrayList<>();
    public final List<UpdateSchemaRequest> schemaUpdates = new CopyOnWriteArrayList<>();
    /** When set, OpenReplica fails with this gRPC status. */
    public volatile Status openFailure;
    /** When set, UpdateSchema answers with this error (the first time only when {@link #failOnce}). */
    public volatile Error updateSchemaError;
    public volatile boolean failOnce;
    /** Shards the node reports in Ping besides those opened (and not dropped) since it started. */
    public final Set<Long> held = ConcurrentHashMap.newKeySet();
    /** Shards whose replica the node lost (a wiped disk): Ping does not report them. */
    public final Set<Long> lost = ConcurrentHashMap.newKeySet();
    /**
     * ReplicaStatus answers: shard id → {last_epoch, last_lsn}; shards not listed are not reported.
     * When null (the default) ReplicaStatus is UNIMPLEMENTED, as on a node without replication.
     */
    public volatile Map<Long, long[]> positions;

    private final String nodeId;
    private final Server server;
    private final CuratorFramework curator;

    public FakeShardNode(String nodeId, String zkConnect, String cluster) throws Exception {
        this(nodeId, zkConnect, cluster, List.of());
    }

    /** A node whose disk holds replicas of {@code held} shards when it registers (reported by Ping). */
    public FakeShardNode(String nodeId, String zkConnect, String cluster, Collection<Long> held) throws Exception {
        this.nodeId = nodeId;
        this.held.addAll(held);
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Service()).build().start();
        this.curator = CuratorFrameworkFactory.builder().connectString(zkConnect)
                .namespace(ZkPaths.namespace(cluster)).retryPolicy(new RetryOneTime(100)).build();
        curator.start();
        curator.blockUntilConnected(10, TimeUnit.SECONDS);
        NodeInfo info = NodeInfo.newBuilder().setNodeId(nodeId).setAddress(address())
                .setStartedAtMillis(System.currentTimeMillis()).build();
        curator.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                .forPath(ZkPaths.liveNode(nodeId), info.toByteArray());
    }

    public String nodeId() {
        return nodeId;
    }

    public String address() {
        return "127.0.0.1:" + server.getPort();
    }

    public List<Long> openedShardIds() {
        return opened.stream().map(r -> r.getShard().getShardId()).toList();
    }

    /** The states pushed to this node for one shard, in order. */
    public List<ShardState> statesOf(long shardId) {
        return opened.stream().map(OpenReplicaRequest::getShard).filter(s -> s.getShardId() == shardId).toList();
    }

    public List<Long> droppedShardIds() {
        return dropped.stream().map(DropReplicaRequest::getShardId).toList();
    }

    private final class Service extends ShardServiceGrpc.ShardServiceImplBase {
        @Override
        public void openReplica(OpenReplicaRequest request, StreamObserver<AdminResponse> out) {
            Status failure = openFailure;
            if (failure != null) {
                out.onError(failure.asRuntimeException());
                return;
            }
            opened.add(request);
            out.onNext(AdminResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public void dropReplica(DropReplicaRequest request, StreamObserver<AdminResponse> out) {
            dropped.add(request);
            out.onNext(AdminResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public void ping(PingRequest request, StreamObserver<PingResponse> out) {
            Set<Long> shards = new TreeSet<>(held);
            shards.addAll(openedShardIds());
            shards.removeAll(droppedShardIds());
            shards.removeAll(lost);
            out.onNext(PingResponse.newBuilder().setNodeId(nodeId).addAllShardIds(shards).build());
            out.onCompleted();
        }

        @Override
        public void replicaStatus(ReplicaStatusRequest request, StreamObserver<ReplicaStatusResponse> out) {
            Map<Long, long[]> known = positions;
            if (known == null) {
                super.replicaStatus(request, out); // UNIMPLEMENTED
                return;
            }
            ReplicaStatusResponse.Builder r = ReplicaStatusResponse.newBuilder().setNodeId(nodeId);
            for (long id : request.getShardIdsList()) {
                long[] p = known.get(id);
                if (p != null) {
                    r.addReplicas(ReplicaStatus.newBuilder().setShardId(id).setLastEpoch(p[0]).setLastLsn(p[1]));
                }
            }
            out.onNext(r.build());
            out.onCompleted();
        }

        @Override
        public void updateSchema(UpdateSchemaRequest request, StreamObserver<AdminResponse> out) {
            schemaUpdates.add(request);
            Error error = updateSchemaError;
            if (error != null && failOnce) {
                updateSchemaError = null;
            }
            out.onNext(error == null ? AdminResponse.getDefaultInstance() : AdminResponse.newBuilder().setError(error).build());
            out.onCompleted();
        }
    }

    /**
     * Stops serving but keeps the ZooKeeper registration, like a process killed with -9 whose session
     * has not expired yet: its port refuses connections.
     */
    public void crashKeepingSession() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        curator.close();
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
    }
}
