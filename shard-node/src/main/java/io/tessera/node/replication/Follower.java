package io.tessera.node.replication;

import io.tessera.node.ShardException;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.AppendRequest;
import io.tessera.protocol.proto.AppendResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ReplicationServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.SnapshotChunk;
import io.tessera.protocol.proto.SnapshotRequest;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as a follower: applies the primary's {@code Append}s, adopts a higher epoch only after
 * ZooKeeper confirms that the sender is its primary, and fetches a snapshot when asked.
 */
final class Follower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Follower.class);
    private static final long SNAPSHOT_DEADLINE_MINUTES = 60;

    private final Replication node;
    private final Set<Long> fetching = ConcurrentHashMap.newKeySet();

    Follower(Replication node) {
        this.node = node;
    }

    boolean fetching(long shardId) {
        return fetching.contains(shardId);
    }

    AppendResponse append(AppendRequest req) {
        Replica r = node.replicas().get(req.getShardId());
        if (r == null) {
            return failure(AppendResponse.Status.NOT_REPLICA, ShardErrors.of(Error.Code.UNKNOWN_SHARD,
                    "node " + node.nodeId() + " holds no replica of shard " + req.getShardId()));
        }
        if (fetching.contains(r.shardId()) || r.installingSnapshot()) {
            return failure(AppendResponse.Status.SNAPSHOT_BUSY, ShardErrors.of(Error.Code.NOT_SERVING,
                    "shard " + r.shardId() + " is installing a snapshot"));
        }
        ShardState s = r.state();
        if (req.getEpoch() < s.getEpoch()) {
            return staleEpoch(r, s, req);
        }
        if (req.getEpoch() > s.getEpoch() || !req.getPrimaryId().equals(s.getPrimary())) {
            ShardState confirmed = node.readState(r.shardId());
            if (confirmed == null || confirmed.getEpoch() != req.getEpoch()
                    || !confirmed.getPrimary().equals(req.getPrimaryId())) {
                log.info("shard {} node {}: refusing Append of epoch {} from {}: ZooKeeper says epoch {} primary {}",
                        r.shardId(), node.nodeId(), req.getEpoch(), req.getPrimaryId(),
                        confirmed == null ? "?" : confirmed.getEpoch(), confirmed == null ? "?" : confirmed.getPrimary());
                if (confirmed != null && confirmed.getEpoch() > req.getEpoch()) {
                    return staleEpoch(r, confirmed, req);
                }
                return failure(AppendResponse.Status.FAILED, ShardErrors.of(Error.Code.NOT_SERVING,
                        "cannot confirm epoch " + req.getEpoch() + " of shard " + r.shardId()));
            }
            try {
                r.adoptState(confirmed);
            } catch (ShardException e) {
                return staleEpoch(r, r.state(), req);
            }
            log.info("shard {} node {}: following {} at epoch {}", r.shardId(), node.nodeId(), req.getPrimaryId(),
                    req.getEpoch());
        }
        node.peers().learn(req.getPrimaryId(), req.getPrimaryAddress());
        if (req.getSnapshotNeeded()) {
            startSnapshot(r, req);
            return ok(r, r.positions());
        }
        try {
            Replica.Positions p = req.getProbe() ? r.positions()
                    : r.appendEntries(req.getTruncateTo(), req.getEntriesList(), req.getCommitLsn());
            node.followerAcked(r.shardId());
            return ok(r, p);
        } catch (Replica.LogMismatch e) {
            log.info("shard {} node {}: {}", r.shardId(), node.nodeId(), e.getMessage());
            Replica.Positions p = r.positions();
            return AppendResponse.newBuilder().setStatus(AppendResponse.Status.MISMATCH)
                    .setLastLsn(e.snapshotNeeded() ? -1 : p.lastLsn()).setLastEpoch(p.lastEpoch()).build();
        }
    }

    private static AppendResponse ok(Replica r, Replica.Positions p) {
        return AppendResponse.newBuilder().setStatus(AppendResponse.Status.OK).setLastLsn(p.lastLsn())
                .setLastEpoch(p.lastEpoch()).build();
    }

    private static AppendResponse failure(AppendResponse.Status status, Error error) {
        return AppendResponse.newBuilder().setStatus(status).setError(error).build();
    }

    private AppendResponse staleEpoch(Replica r, ShardState s, AppendRequest req) {
        return failure(AppendResponse.Status.STALE_EPOCH, new ShardException(Error.Code.STALE_EPOCH, null, "shard "
                + r.shardId() + " on node " + node.nodeId() + " follows epoch " + s.getEpoch() + ", refusing epoch "
                + req.getEpoch() + " from " + req.getPrimaryId(), s).toError());
    }

    private void startSnapshot(Replica r, AppendRequest req) {
        long shard = r.shardId();
        if (!fetching.add(shard)) {
            return;
        }
        node.background(() -> {
            try {
                fetchSnapshot(r, req);
            } catch (RuntimeException e) {
                r.abortSnapshot();
                log.warn("shard {} node {}: snapshot from {} failed: {}", shard, node.nodeId(), req.getPrimaryId(), e.toString());
            } finally {
                fetching.remove(shard);
            }
        });
    }

    private void fetchSnapshot(Replica r, AppendRequest req) {
        log.info("shard {} node {}: fetching a snapshot from {} ({}) at epoch {}", r.shardId(), node.nodeId(),
                req.getPrimaryId(), req.getPrimaryAddress(), req.getEpoch());
        Iterator<SnapshotChunk> chunks = ReplicationServiceGrpc.newBlockingStub(node.peers().address(req.getPrimaryAddress()))
                .withDeadlineAfter(SNAPSHOT_DEADLINE_MINUTES, TimeUnit.MINUTES)
                .fetchSnapshot(SnapshotRequest.newBuilder().setShardId(r.shardId()).setEpoch(req.getEpoch())
                        .setFollowerId(node.nodeId()).build());
        boolean begun = false;
        while (chunks.hasNext()) {
            SnapshotChunk c = chunks.next();
            if (c.hasError() && c.getError().getCode() != Error.Code.OK) {
                throw new IllegalStateException("the primary refused: " + c.getError().getMessage());
            }
            if (!begun) {
                r.beginSnapshot(c.hasTable() ? c.getTable() : null);
                begun = true;
            }
            r.installChunk(c.getRowKeysList(), c.getRowValuesList(), c.getIndexKeysList(), c.getLockKeysList(),
                    c.getLockValuesList(), c.getTxnKeysList(), c.getTxnValuesList());
            if (c.getLast()) {
                // the copy may lack versions below the primary's safe point: refuse the same reads
                r.raiseSafePoint(c.getGcSafePoint(), 0);
                r.finishSnapshot(c.getLsn(), c.getEpochsList());
                node.followerAcked(r.shardId());
                return;
            }
        }
        throw new IllegalStateException("the snapshot stream ended without its last chunk");
    }

    @Override
    public void close() {
        fetching.clear();
    }
}
