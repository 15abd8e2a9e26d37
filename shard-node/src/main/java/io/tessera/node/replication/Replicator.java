package io.tessera.node.replication;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.proto.AppendRequest;
import io.tessera.protocol.proto.AppendResponse;
import io.tessera.protocol.proto.LogEntry;
import io.tessera.protocol.proto.ReplicationServiceGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships one shard's log from the primary to one follower: one {@code Append} in flight, carrying
 * whatever the log holds beyond what the follower acknowledged (up to {@link #MAX_BATCH_BYTES}), an
 * empty one every heartbeat when idle. Starts with a probe; reconciles a divergent follower with
 * {@code truncate_to}; asks for a snapshot when the follower needs entries no longer retained.
 */
final class Replicator {
    private static final Logger log = LoggerFactory.getLogger(Replicator.class);
    static final int MAX_BATCH_BYTES = 1 << 20;

    private final PrimaryGroup group;
    private final Replica replica;
    final String followerId;

    // guarded by this
    private boolean inFlight;
    private boolean stopped;
    private boolean needProbe = true;
    private boolean needSnapshot;
    private long nextLsn;
    private long truncateTo = -1;
    private long lastSendNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1); // nanoTime may be negative
    private boolean kicked;

    // read by the group without the lock
    volatile long ackedLsn = -1;
    volatile long lastAckNanos;      // when the last acknowledgement arrived (0 = never)
    volatile long ackedSendNanos;    // when the last acknowledged Append was sent
    volatile long sinceNanos = System.nanoTime();

    Replicator(PrimaryGroup group, Replica replica, String followerId) {
        this.group = group;
        this.replica = replica;
        this.followerId = followerId;
    }

    /** New entries were appended: send them unless an Append is in flight (its reply sends them). */
    void kick() {
        synchronized (this) {
            if (inFlight || stopped) {
                kicked = true;
                return;
            }
        }
        send();
    }

    /** Heartbeat tick: send an empty Append when idle for a heartbeat. */
    void tick(long heartbeatNanos) {
        synchronized (this) {
            if (inFlight || stopped || System.nanoTime() - lastSendNanos < heartbeatNanos) {
                return;
            }
        }
        send();
    }

    synchronized void stop() {
        stopped = true;
    }

    private void send() {
        AppendRequest req;
        long sentAt;
        boolean probe;
        ManagedChannel channel = group.peers().node(followerId);
        synchronized (this) {
            if (inFlight || stopped) {
                return;
            }
            if (channel == null) {
                lastSendNanos = System.nanoTime(); // retry at the next heartbeat
                return;
            }
            AppendRequest.Builder b = group.requestBase().setTruncateTo(-1);
            probe = needProbe;
            if (needProbe) {
                b.setProbe(true);
            } else if (needSnapshot) {
                b.setSnapshotNeeded(true);
            } else {
                List<LogEntry> entries = replica.entries(nextLsn, MAX_BATCH_BYTES);
                if (entries == null) {
                    needSnapshot = true;
                    log.info("shard {} epoch {}: follower {} needs lsn {}, no longer in the log; asking it to fetch a snapshot",
                            replica.shardId(), group.epoch(), followerId, nextLsn);
                    b.setSnapshotNeeded(true);
                } else {
                    b.addAllEntries(entries).setTruncateTo(truncateTo);
                }
            }
            b.setCommitLsn(replica.commitLsn());
            req = b.build();
            inFlight = true;
            kicked = false;
            sentAt = System.nanoTime();
            lastSendNanos = sentAt;
        }
        // Not in the caller's context: a writer's or OpenReplica's server call ends (is cancelled) first.
        Context.ROOT.run(() -> ReplicationServiceGrpc.newStub(channel)
                .withDeadlineAfter(group.appendDeadlineMillis(req), TimeUnit.MILLISECONDS)
                .append(req, new StreamObserver<>() {
                    @Override
                    public void onNext(AppendResponse resp) {
                        onReply(req, resp, sentAt);
                    }

                    @Override
                    public void onError(Throwable t) {
                        onFailure(t, probe);
                    }

                    @Override
                    public void onCompleted() {}
                }));
    }

    private void onReply(AppendRequest req, AppendResponse resp, long sentAt) {
        boolean again;
        synchronized (this) {
            inFlight = false;
            again = kicked;
            switch (resp.getStatus()) {
                case OK:
                    if (req.getProbe()) {
                        long tp = replica.truncationPoint(resp.getLastLsn(), resp.getLastEpoch());
                        needProbe = false;
                        nextLsn = tp + 1;
                        truncateTo = tp < resp.getLastLsn() ? tp : -1;
                        ackedLsn = tp;
                        if (truncateTo >= 0) {
                            log.info("shard {} epoch {}: follower {} ends at lsn {} of epoch {}; truncating it to {}",
                                    replica.shardId(), group.epoch(), followerId, resp.getLastLsn(), resp.getLastEpoch(), tp);
                        }
                        again = true;
                    } else if (req.getSnapshotNeeded()) {
                        needSnapshot = false;
                        needProbe = true; // once installed, the follower answers the probe at the snapshot's lsn
                        break;
                    } else {
                        ackedLsn = resp.getLastLsn();
                        nextLsn = resp.getLastLsn() + 1;
                        truncateTo = -1;
                        again |= req.getEntriesCount() > 0;
                    }
                    lastAckNanos = System.nanoTime();
                    ackedSendNanos = sentAt;
                    break;
                case MISMATCH:
                    needProbe = true;
                    if (resp.getLastLsn() < 0) {
                        needSnapshot = true;
                        needProbe = false;
                    }
                    again = true;
                    log.info("shard {} epoch {}: follower {} refused lsn {}: {}", replica.shardId(), group.epoch(), followerId,
                            nextLsn, resp.getLastLsn() < 0 ? "it needs a snapshot" : "handshaking again");
                    break;
                case STALE_EPOCH:
                    stopped = true;
                    log.warn("shard {} epoch {}: follower {} is at a higher epoch ({}): this primary is deposed",
                            replica.shardId(), group.epoch(), followerId, resp.getError().getRoute().getEpoch());
                    break;
                default: // SNAPSHOT_BUSY, NOT_REPLICA, FAILED: retry at the next heartbeat
                    again = false;
                    log.debug("shard {} epoch {}: follower {} answered {} {}", replica.shardId(), group.epoch(), followerId,
                            resp.getStatus(), resp.getError().getMessage());
                    break;
            }
        }
        if (resp.getStatus() == AppendResponse.Status.STALE_EPOCH) {
            group.deposed(followerId, resp.getError().getRoute());
            return;
        }
        if (resp.getStatus() == AppendResponse.Status.OK) {
            group.acknowledged(this);
        }
        if (again) {
            send();
        }
    }

    private void onFailure(Throwable t, boolean probe) {
        Status s = Status.fromThrowable(t);
        synchronized (this) {
            inFlight = false;
            needProbe = true; // we do not know what the follower applied
        }
        if (s.getCode() == Status.Code.UNAVAILABLE) {
            group.peers().forget(followerId);
        }
        log.debug("shard {} epoch {}: Append{} to follower {} failed: {}", replica.shardId(), group.epoch(),
                probe ? " (probe)" : "", followerId, s);
    }

    synchronized boolean inFlight() {
        return inFlight;
    }
}
