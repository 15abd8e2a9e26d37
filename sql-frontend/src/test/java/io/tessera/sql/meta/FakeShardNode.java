package io.tessera.sql.meta;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.DropReplicaRequest;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.UpdateSchemaRequest;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;

/** A shard node that accepts every administrative call: a real gRPC server registered in ZooKeeper. */
final class FakeShardNode implements AutoCloseable {
    private final Server server;
    private final CuratorFramework curator;

    FakeShardNode(String nodeId, String zkConnect, String cluster) throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(
                new ShardServiceGrpc.ShardServiceImplBase() {
                    @Override
                    public void openReplica(OpenReplicaRequest r, StreamObserver<AdminResponse> out) {
                        ok(out);
                    }

                    @Override
                    public void dropReplica(DropReplicaRequest r, StreamObserver<AdminResponse> out) {
                        ok(out);
                    }

                    @Override
                    public void updateSchema(UpdateSchemaRequest r, StreamObserver<AdminResponse> out) {
                        ok(out);
                    }
                }).build().start();
        curator = CuratorFrameworkFactory.builder().connectString(zkConnect).namespace(ZkPaths.namespace(cluster))
                .retryPolicy(new RetryOneTime(100)).build();
        curator.start();
        curator.blockUntilConnected(10, TimeUnit.SECONDS);
        curator.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.liveNode(nodeId),
                NodeInfo.newBuilder().setNodeId(nodeId).setAddress(address()).build().toByteArray());
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    private static void ok(StreamObserver<AdminResponse> out) {
        out.onNext(AdminResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void close() throws InterruptedException {
        curator.close();
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
    }
}
