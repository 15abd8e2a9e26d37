package io.tessera.sql.testing;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CheckTxnStatusRequest;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.CommitTxnRequest;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.PrewriteRequest;
import io.tessera.protocol.proto.RollbackTxnRequest;
import io.tessera.protocol.proto.TxnHeartbeatRequest;
import io.tessera.protocol.proto.TxnResponse;
import io.tessera.protocol.proto.RowBatch;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A stand-in shard node registered as live in ZooKeeper, for tests that move a shard's route by
 * hand: either <b>stuck</b> (it records Write, Prewrite and Scan requests and never answers
 * anything, like a stopped process whose connections stay open) or <b>forwarding</b> (it records
 * them and passes them, and the other transaction calls, on to a real node).
 */
public final class StandInNode implements AutoCloseable {
  private final String nodeId;
  private final Server server;
  private final CuratorFramework curator;
  private final @Nullable ManagedChannel target;
  /** Write requests received, in order. */
  public final List<WriteRequest> writes = new CopyOnWriteArrayList<>();
  /** Prewrite requests received, in order. */
  public final List<PrewriteRequest> prewrites = new CopyOnWriteArrayList<>();
  /** Scan requests received, in order. */
  public final List<ScanRequest> scans = new CopyOnWriteArrayList<>();

  private StandInNode(String nodeId, String zkConnect, String cluster,
      @Nullable String forwardTo) throws Exception {
    this.nodeId = nodeId;
    this.target = forwardTo == null ? null
        : NettyChannelBuilder.forTarget(forwardTo).usePlaintext().build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ShardServiceGrpc.ShardServiceImplBase() {
          @Override public void write(WriteRequest r, StreamObserver<WriteResponse> out) {
            writes.add(r);
            if (target != null) {
              out.onNext(ShardServiceGrpc.newBlockingStub(target).write(r));
              out.onCompleted();
            }
          }

          @Override public void prewrite(PrewriteRequest r, StreamObserver<TxnResponse> out) {
            prewrites.add(r);
            if (target != null) {
              out.onNext(ShardServiceGrpc.newBlockingStub(target).prewrite(r));
              out.onCompleted();
            }
          }

          @Override public void commitTxn(CommitTxnRequest r, StreamObserver<TxnResponse> out) {
            forward(out, () -> ShardServiceGrpc.newBlockingStub(target).commitTxn(r));
          }

          @Override public void rollbackTxn(RollbackTxnRequest r,
              StreamObserver<TxnResponse> out) {
            forward(out, () -> ShardServiceGrpc.newBlockingStub(target).rollbackTxn(r));
          }

          @Override public void checkTxnStatus(CheckTxnStatusRequest r,
              StreamObserver<CheckTxnStatusResponse> out) {
            forward(out, () -> ShardServiceGrpc.newBlockingStub(target).checkTxnStatus(r));
          }

          @Override public void txnHeartbeat(TxnHeartbeatRequest r,
              StreamObserver<TxnResponse> out) {
            forward(out, () -> ShardServiceGrpc.newBlockingStub(target).txnHeartbeat(r));
          }

          @Override public void scan(ScanRequest r, StreamObserver<RowBatch> out) {
            scans.add(r);
            if (target != null) {
              ShardServiceGrpc.newBlockingStub(target).scan(r).forEachRemaining(out::onNext);
              out.onCompleted();
            }
          }
        }).build().start();
    curator = CuratorFrameworkFactory.builder().connectString(zkConnect)
        .namespace(ZkPaths.namespace(cluster)).retryPolicy(new RetryOneTime(100)).build();
    curator.start();
    curator.blockUntilConnected(10, TimeUnit.SECONDS);
    curator.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
        .forPath(ZkPaths.liveNode(nodeId), NodeInfo.newBuilder().setNodeId(nodeId)
            .setAddress(address()).setStartedAtMillis(System.currentTimeMillis()).build()
            .toByteArray());
  }

  /** Answers with what the target node answers (a stuck node never answers). */
  private <T> void forward(StreamObserver<T> out, Supplier<T> call) {
    if (target != null) {
      out.onNext(call.get());
      out.onCompleted();
    }
  }

  /** A node that never answers Write or Scan. */
  public static StandInNode stuck(String nodeId, String zkConnect, String cluster)
      throws Exception {
    return new StandInNode(nodeId, zkConnect, cluster, null);
  }

  /** A node that passes Write and Scan on to the node at {@code address}. */
  public static StandInNode forwarding(String nodeId, String zkConnect, String cluster,
      String address) throws Exception {
    return new StandInNode(nodeId, zkConnect, cluster, address);
  }

  public String nodeId() {
    return nodeId;
  }

  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override public void close() throws InterruptedException {
    curator.close();
    server.shutdownNow();
    server.awaitTermination(2, TimeUnit.SECONDS);
    if (target != null) {
      target.shutdownNow();
    }
  }
}
