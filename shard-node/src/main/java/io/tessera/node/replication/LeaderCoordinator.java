package io.tessera.node.replication;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import io.tessera.protocol.time.Timestamps;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * What a shard node asks the leading coordinator (found in {@code /coordinator/leader}, reached over
 * the node's peer channels): sync-set changes, and oracle timestamps: the ones a new primary takes as
 * its floor for one-phase writes, and the fresh ones that give a primary its next timestamp slots.
 * Every call throws when no coordinator answers; callers retry.
 */
final class LeaderCoordinator {
    /**
     * Oracle timestamps taken in one call: their slots are the room of the node's primaries for
     * one-phase commits without asking again (64 x 16,383), and the call moves the oracle only
     * 64 steps (4 ms of its clock).
     */
    static final int TIMESTAMPS_PER_FETCH = 64;

    /** Oracle timestamps handed to this node: from {@code from} to the end of the last one's slot ({@code end} exclusive). */
    record OracleRange(long from, long end) {}

    private final CuratorFramework zk;
    private final Peers peers;
    private final long timeoutMillis;
    private final Executor executor;
    private CompletableFuture<OracleRange> fetching; // guarded by this: the shared fetch of freshTimestamps

    /** @param executor runs {@link #freshTimestamps}'s calls */
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
     * Fresh oracle timestamps, fetched in the background: callers that come while a fetch is on its
     * way share it, so the node has at most one such call in flight whatever its shards ask (shards
     * may share a range: commit timestamps need not be unique). The shared range may have been asked
     * for before the caller came; a caller that needs one above some value checks and asks again.
     */
    synchronized CompletableFuture<OracleRange> freshTimestamps() {
        if (fetching == null || fetching.isDone()) {
            CompletableFuture<OracleRange> f = new CompletableFuture<>();
            fetching = f;
            try {
                executor.execute(() -> {
                    try {
                        f.complete(nextTimestamps());
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

    /** {@link #TIMESTAMPS_PER_FETCH} fresh oracle timestamps with their slots. */
    OracleRange nextTimestamps() throws Exception {
        Leader leader = leader();
        TimestampResponse resp = leader.stub().getTimestamps(TimestampRequest.newBuilder()
                .setCount(TIMESTAMPS_PER_FETCH).build());
        if (resp.hasError() && resp.getError().getCode() != Error.Code.OK) {
            throw new IllegalStateException("coordinator " + leader.info().getCoordinatorId() + " refused: "
                    + resp.getError().getCode() + " " + resp.getError().getMessage());
        }
        if (resp.getFirst() <= 0) {
            throw new IllegalStateException("coordinator " + leader.info().getCoordinatorId() + " returned no timestamp");
        }
        long first = resp.getFirst();
        // a coordinator that hands out other steps (another version): only the first slot is surely ours
        return resp.getStep() == Timestamps.ORACLE_STEP && resp.getCount() > 0
                ? new OracleRange(first, first + resp.getCount() * Timestamps.ORACLE_STEP)
                : new OracleRange(first, Timestamps.slotEnd(first) + 1);
    }
}
