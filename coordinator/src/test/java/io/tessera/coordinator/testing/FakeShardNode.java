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
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.UpdateSchemaRequest;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;

/**
 * A shard node reduced to its administrative RPCs: a real gRPC server that records what the
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

    private final String nodeId;
    private final Server server;
    private final CuratorFramework curator;

    public FakeShardNode(String nodeId, String zkConnect, String cluster) throws Exception {
        this.nodeId = nodeId;
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

    @Override
    public void close() throws InterruptedException {
        curator.close();
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
    }
}
