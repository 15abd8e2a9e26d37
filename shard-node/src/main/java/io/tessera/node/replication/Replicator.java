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
    private long generation; // bumped by reset(): replies to Appends sent before it are ignored

    // read by the group without the lock
    volatile long ackedLsn = -1;     // -1: unknown (no successful handshake since the last reset)
    volatile boolean handshaken;     // a probe succeeded since the last reset, in this group's epoch
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

    /**
     * Forgets what the follower acknowledged and handshakes again before sending entries: its Append
     * failed, it refused one, it left the sync set or its node re-registered. Until a probe succeeds
     * again it is not "caught up" and cannot be proposed for the sync set. The lease (when it last
     * acknowledged an Append sent at some time) stays valid: that follower promised it.
     */
    void reset(String why) {
        boolean wasKnown;
        synchronized (this) {
            wasKnown = handshaken || ackedLsn >= 0;
            generation++;
            needProbe = true;
            needSnapshot = false;
            truncateTo = -1;
            handshaken = false;
            ackedLsn = -1;
        }
        if (wasKnown) {
            log.info("shard {} epoch {}: forgetting the progress of follower {} ({}); handshaking again",
                    replica.shardId(), group.epoch(), followerId, why);
        }
    }

    /**
     * Whether the follower may be proposed for the sync set: it handshook in this epoch, acknowledged
     * {@code lsn} since, and did so within {@code freshNanos}.
     */
    boolean caughtUp(long lsn, long now, long freshNanos) {
        long last = lastAckNanos;
        return handshaken && ackedLsn >= lsn && last != 0 && now - last < freshNanos;
    }

    private void send() {
        AppendRequest req;
        long sentAt;
        boolean probe;
        long gen;
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
            gen = generation;
            sentAt = System.nanoTime();
            lastSendNanos = sentAt;
        }
        // Not in the caller's context: a writer's or OpenReplica's server call ends (is cancelled) first.
        Context.ROOT.run(() -> ReplicationServiceGrpc.newStub(channel)
                .withDeadlineAfter(group.appendDeadlineMillis(req), TimeUnit.MILLISECONDS)
                .append(req, new StreamObserver<>() {
                    @Override
                    public void onNext(AppendResponse resp) {
                        onReply(req, resp, sentAt, gen);
                    }

                    @Override
                    public void onError(Throwable t) {
                        onFailure(t, probe, gen);
                    }

                    @Override
                    public void onCompleted() {}
                }));
    }

    private void onReply(AppendRequest req, AppendResponse resp, long sentAt, long gen) {
        boolean again;
        String reset = null;
        synchronized (this) {
            inFlight = false;
            again = kicked;
            if (gen != generation && resp.getStatus() != AppendResponse.Status.STALE_EPOCH) {
                again = !stopped; // reset meanwhile: this reply describes the follower as it was; probe again
                resp = null;
            } else switch (resp.getStatus()) {
                case OK:
                    if (req.getProbe()) {
                        long tp = replica.truncationPoint(resp.getLastLsn(), resp.getLastEpoch());
                        needProbe = false;
                        nextLsn = tp + 1;
                        truncateTo = tp < resp.getLastLsn() ? tp : -1;
                        ackedLsn = tp;
                        handshaken = true;
                        if (truncateTo >= 0) {
                            log.info("shard {} epoch {}: follower {} ends at lsn {} of epoch {}; truncating it to {}",
                                    replica.shardId(), group.epoch(), followerId, resp.getLastLsn(), resp.getLastEpoch(), tp);
                        }
                        again = true;
                    } else if (req.getSnapshotNeeded()) {
                        needSnapshot = false;
                        needProbe = true; // once installed, the follower answers the probe at the snapshot's lsn
                        handshaken = false;
                        ackedLsn = -1;
                        generation++;
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
                    generation++;
                    handshaken = false;
                    ackedLsn = -1;
                    truncateTo = -1;
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
                default: // SNAPSHOT_BUSY, NOT_REPLICA, FAILED: handshake again at the next heartbeat
                    again = false;
                    reset = resp.getStatus().name();
                    log.debug("shard {} epoch {}: follower {} answered {} {}", replica.shardId(), group.epoch(), followerId,
                            resp.getStatus(), resp.getError().getMessage());
                    break;
            }
        }
        if (reset != null) {
            reset("it answered " + reset);
        }
        if (resp != null && resp.getStatus() == AppendResponse.Status.STALE_EPOCH) {
            group.deposed(followerId, resp.getError().getRoute());
            return;
        }
        if (resp != null && resp.getStatus() == AppendResponse.Status.OK) {
            group.peers().reachable(followerId);
            group.acknowledged(this);
        }
        if (again) {
            send();
        }
    }

    private void onFailure(Throwable t, boolean probe, long gen) {
        Status s = Status.fromThrowable(t);
        boolean current;
        synchronized (this) {
            inFlight = false;
            current = gen == generation;
        }
        if (current) {
            reset("Append failed: " + s.getCode()); // we do not know what the follower applied, or whether it still has it
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
