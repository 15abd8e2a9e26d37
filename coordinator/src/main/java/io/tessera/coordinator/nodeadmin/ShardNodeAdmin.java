package io.tessera.coordinator.nodeadmin;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.DropReplicaRequest;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.PingRequest;
import io.tessera.protocol.proto.PingResponse;
import io.tessera.protocol.proto.ReplicaStatusRequest;
import io.tessera.protocol.proto.ReplicaStatusResponse;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.UpdateSchemaRequest;
import java.io.Closeable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's administrative calls to shard nodes ({@code OpenReplica}, {@code DropReplica},
 * {@code UpdateSchema}, {@code Ping}, {@code ReplicaStatus}), over one plaintext channel per node
 * address, each call with a deadline.
 */
public final class ShardNodeAdmin implements Closeable {
    private final Duration deadline;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ShardNodeAdmin(Duration deadline) {
        this.deadline = deadline;
    }

    public ListenableFuture<AdminResponse> openReplica(String address, OpenReplicaRequest request) {
        return stub(address).openReplica(request);
    }

    public ListenableFuture<AdminResponse> dropReplica(String address, DropReplicaRequest request) {
        return stub(address).dropReplica(request);
    }

    public ListenableFuture<AdminResponse> updateSchema(String address, UpdateSchemaRequest request) {
        return stub(address).updateSchema(request);
    }

    /** {@code ReplicaStatus} with its own (short) deadline: failover must not wait for a hung node. */
    public ListenableFuture<ReplicaStatusResponse> replicaStatus(String address, ReplicaStatusRequest request,
            Duration deadline) {
        return stub(address, deadline).replicaStatus(request);
    }

    /** {@code Ping}: the node's id and the shards it holds replicas of. */
    public ListenableFuture<PingResponse> ping(String address, Duration deadline) {
        return stub(address, deadline).ping(PingRequest.getDefaultInstance());
    }

    public Duration deadline() {
        return deadline;
    }

    /**
     * A stub for other calls to a node's shard service (garbage collection and the lock resolution it
     * needs), over the same channel and with the same deadline.
     */
    public ShardServiceGrpc.ShardServiceFutureStub shardService(String address) {
        return stub(address);
    }

    /**
     * Lets the next call to {@code address} connect at once instead of waiting out gRPC's reconnect
     * backoff (which grows up to minutes while a node is down): for a node that registered again.
     */
    public void resetConnectBackoff(String address) {
        ManagedChannel c = channels.get(address);
        if (c != null) {
            c.resetConnectBackoff();
        }
    }

    private ShardServiceGrpc.ShardServiceFutureStub stub(String address) {
        return stub(address, deadline);
    }

    private ShardServiceGrpc.ShardServiceFutureStub stub(String address, Duration deadline) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        ManagedChannel channel = channels.computeIfAbsent(address,
                a -> NettyChannelBuilder.forTarget(a).usePlaintext().build());
        return ShardServiceGrpc.newFutureStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
    }
}
