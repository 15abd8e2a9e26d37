package io.tessera.node.replication;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * What a shard node asks the leading coordinator (found in {@code /coordinator/leader}, reached over
 * the node's peer channels): sync-set changes, and oracle timestamps: the one a new primary takes as
 * its floor for one-phase writes, and the fresh ones that start a primary's next timestamp slot.
 * Every call throws when no coordinator answers; callers retry.
 */
final class LeaderCoordinator {
    private final CuratorFramework zk;
    private final Peers peers;
    private final long timeoutMillis;
    private final Executor executor;
    private CompletableFuture<Long> fetching; // guarded by this: the shared fetch of freshTimestamp

    /** @param executor runs {@link #freshTimestamp}'s calls */
    LeaderCoordinator(CuratorFramework zk, Peers peers, long timeoutMillis, Executor executor) {
        this.zk = zk;
        this.peers = peers;
        this.timeoutMillis = timeoutMillis;
        this.executor = executor;
    }

    private record Leader(CoordinatorInfo info, CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub) {}

    private Leader leader() throws Exception {
        if (zk == null) {
            throw new IllegalStateException("no ZooKeeper configured: cannot reach the coordinator");
        }
        CoordinatorInfo info = CoordinatorInfo.parseFrom(zk.getData().forPath(ZkPaths.COORDINATOR_LEADER));
        return new Leader(info, CoordinatorServiceGrpc.newBlockingStub(peers.address(info.getAddress()))
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS));
    }

    /** The coordinator's reply to a sync-set change. */
    SyncSetChangeResponse changeSyncSet(SyncSetChangeRequest request) throws Exception {
        return leader().stub().changeSyncSet(request);
    }

    /**
     * A fresh oracle timestamp, fetched in the background: callers that come while a fetch is on its
     * way share it, so the node has at most one such call in flight whatever its shards ask. The
     * shared timestamp may have been asked for before the caller came; a caller that needs one above
     * some value checks and asks again.
     */
    synchronized CompletableFuture<Long> freshTimestamp() {
        if (fetching == null || fetching.isDone()) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            fetching = f;
            try {
                executor.execute(() -> {
                    try {
                        f.complete(nextTimestamp());
                    } catch (Exception e) {
                        f.completeExceptionally(e);
                    }
                });
            } catch (RuntimeException e) {
                f.completeExceptionally(e); // the node is closing
            }
        }
        return fetching;
    }

    /** A fresh oracle timestamp (the first of the one the coordinator hands out). */
    long nextTimestamp() throws Exception {
        Leader leader = leader();
        TimestampResponse resp = leader.stub().getTimestamps(TimestampRequest.newBuilder().setCount(1).build());
        if (resp.hasError() && resp.getError().getCode() != Error.Code.OK) {
            throw new IllegalStateException("coordinator " + leader.info().getCoordinatorId() + " refused: "
                    + resp.getError().getCode() + " " + resp.getError().getMessage());
        }
        if (resp.getFirst() <= 0) {
            throw new IllegalStateException("coordinator " + leader.info().getCoordinatorId() + " returned no timestamp");
        }
        return resp.getFirst();
    }
}
