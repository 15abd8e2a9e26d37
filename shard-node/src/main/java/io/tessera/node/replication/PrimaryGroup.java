package io.tessera.node.replication;

import io.tessera.node.ShardException;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.proto.AppendRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.FollowerProgress;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as the primary of one shard at one epoch: a {@link Replicator} per other replica, the
 * primary's <em>view</em> of the sync set (the followers whose acknowledgements a write waits for,
 * always a superset of ZooKeeper's sync set), the commit point it reports to the replica, the read
 * lease, and the sync-set changes it asks the coordinator for.
 */
final class PrimaryGroup {
    private static final Logger log = LoggerFactory.getLogger(PrimaryGroup.class);

    private final Replication node;
    private final Replica replica;
    private final long epoch;
    private final long servingNotBefore; // nanoTime; a promoted follower waits out the old primary's lease
    private final Map<String, Replicator> replicators = new LinkedHashMap<>(); // guarded by this
    private final Set<String> view = new HashSet<>();       // other members waited for; guarded by this
    private final Map<String, Long> pendingAdds = new LinkedHashMap<>(); // follower -> barrier lsn; guarded by this
    private volatile long leaseUntil;                        // nanoTime
    private volatile boolean fenced;
    private volatile boolean closed;
    private volatile boolean writeFloorKnown; // max_read_ts holds an oracle timestamp taken since promotion
    private final Set<String> syncSet = new HashSet<>();   // other members in the last known state; guarded by this
    private final Set<String> addUnknown = new HashSet<>(); // asked to add, outcome unknown (call failed); guarded by this
    private final Map<String, long[]> addBackoff = new HashMap<>(); // follower -> {failures, notBeforeNanos}; guarded by this
    static final long FIRST_ADD_BACKOFF_MILLIS = 200;
    static final long MAX_ADD_BACKOFF_MILLIS = 5_000;
    private boolean changing; // a ChangeSyncSet call is under way; guarded by this
    private long nextChangeNanos = System.nanoTime(); // retry backoff after a failed call; guarded by this
    private int failedChanges;    // consecutive failed calls; guarded by this

    PrimaryGroup(Replication node, Replica replica, long epoch, long servingNotBefore) {
        this.node = node;
        this.replica = replica;
        this.epoch = epoch;
        this.servingNotBefore = servingNotBefore;
    }

    long epoch() {
        return epoch;
    }

    Peers peers() {
        return node.peers();
    }

    String context() {
        return "shard " + replica.shardId() + " epoch " + epoch + " primary " + node.nodeId();
    }

    AppendRequest.Builder requestBase() {
        return AppendRequest.newBuilder().setShardId(replica.shardId()).setEpoch(epoch).setPrimaryId(node.nodeId())
                .setPrimaryAddress(node.address());
    }

    long appendDeadlineMillis(AppendRequest req) {
        return node.settings().replicationTimeout().toMillis() + (req.getEntriesCount() > 0 ? 5_000 : 0);
    }

    /** Starts replicating to every other replica of {@code state}, waiting for its sync-set members. */
    synchronized void start(ShardState state) {
        replica.beginEpoch(epoch);
        update(state);
        replica.setAppendListener(lsn -> kickAll());
        if (node.zk() == null) {
            writeFloorKnown = true; // a node without a cluster: no oracle and no predecessor
        } else {
            replica.setSlotRefill(new OracleSlots(replica, node.coordinator(), node.settings().stallTimeout().toMillis(),
                    context()));
            node.background(this::fetchWriteFloor);
        }
        log.info("{}: primary of replicas {} with sync set {}", context(), state.getReplicasList(), state.getSyncSetList());
    }

    /**
     * A new primary does not know which reads its predecessor served: once the predecessor's lease is
     * over (it serves no more), it takes an oracle timestamp as its max_read_ts, above all of them.
     * One-phase writes wait for it ({@link #awaitWriteFloor}).
     */
    private void fetchWriteFloor() {
        long backoffMillis = 20;
        int failures = 0;
        try {
            while (!closed && !fenced) {
                long wait = servingNotBefore - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                    continue;
                }
                try {
                    LeaderCoordinator.OracleRange range = node.coordinator().nextTimestamps();
                    replica.adoptTimestamps(range.from(), range.end());
                    writeFloorKnown = true;
                    log.info("{}: one-phase writes commit above oracle timestamp {}", context(), range.from());
                    return;
                } catch (Exception e) {
                    if (failures++ == 0) {
                        log.warn("{}: cannot take a timestamp from the oracle ({}); one-phase writes wait, retrying",
                                context(), e.toString());
                    } else {
                        log.debug("{}: timestamp from the oracle failed again: {}", context(), e.toString());
                    }
                }
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(1_000, backoffMillis * 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether max_read_ts holds an oracle timestamp taken since promotion (see {@link #fetchWriteFloor}). */
    boolean writeFloorKnown() {
        return writeFloorKnown;
    }

    /** Waits until one-phase writes may be accepted (see {@link #fetchWriteFloor}); NOT_SERVING after the stall timeout. */
    void awaitWriteFloor() {
        if (writeFloorKnown) {
            return;
        }
        long deadline = System.nanoTime() + node.settings().stallTimeout().toNanos();
        while (!writeFloorKnown) {
            if (fenced || closed) {
                throw new ShardException(Error.Code.NOT_PRIMARY, null, context() + " is no longer serving (deposed)",
                        replica.state());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new ShardException(Error.Code.NOT_SERVING, null, context()
                        + ": no timestamp from the oracle yet; one-phase writes wait for it", replica.state());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ShardException(Error.Code.NOT_SERVING, null, "interrupted", replica.state());
            }
        }
    }

    /** A new state of the same epoch (sync set or replicas changed). */
    synchronized void update(ShardState state) {
        Set<String> others = new HashSet<>(state.getReplicasList());
        others.remove(node.nodeId());
        for (String f : others) {
            replicators.computeIfAbsent(f, id -> new Replicator(this, replica, id));
        }
        for (String f : syncSet) {
            Replicator r = replicators.get(f);
            if (r != null && !state.getSyncSetList().contains(f)) {
                r.reset("it left the sync set"); // it may have lost what it acknowledged (that is why it was removed)
            }
        }
        syncSet.clear();
        for (String f : state.getSyncSetList()) {
            if (others.contains(f)) {
                syncSet.add(f);
            }
        }
        addUnknown.removeIf(f -> state.getSyncSetList().contains(f) || !others.contains(f));
        addBackoff.keySet().removeIf(f -> !others.contains(f));
        replicators.keySet().removeIf(f -> {
            if (!others.contains(f)) {
                replicators.get(f).stop();
                return true;
            }
            return false;
        });
        pendingAdds.keySet().removeIf(f -> state.getSyncSetList().contains(f) || !others.contains(f));
        view.clear();
        for (String f : state.getSyncSetList()) {
            if (others.contains(f)) {
                view.add(f);
            }
        }
        view.addAll(pendingAdds.keySet());
        recompute();
        for (Replicator r : replicators.values()) {
            r.kick();
        }
    }

    private void kickAll() {
        List<Replicator> rs;
        synchronized (this) {
            rs = new ArrayList<>(replicators.values());
        }
        for (Replicator r : rs) {
            r.kick();
        }
    }

    /**
     * The follower's node registered again in ZooKeeper (a new session): it may have restarted,
     * possibly with an empty disk; what it acknowledged before no longer counts.
     */
    void nodeChanged(String nodeId, String why) {
        Replicator r;
        synchronized (this) {
            r = replicators.get(nodeId);
        }
        if (r != null) {
            r.reset(why);
            r.kick();
        }
    }

    void acknowledged(Replicator r) {
        synchronized (this) {
            if (view.contains(r.followerId)) {
                recompute();
            }
        }
    }

    /** Commit point and lease from the view's acknowledgements (under the lock). */
    private void recompute() {
        if (view.isEmpty()) {
            replica.setTrackPending(false);
            replica.setReplicatedLsn(Long.MAX_VALUE);
            leaseUntil = Long.MAX_VALUE;
            return;
        }
        replica.setTrackPending(true);
        long min = Long.MAX_VALUE;
        long lease = Long.MAX_VALUE;
        long leaseNanos = node.settings().lease().toNanos();
        for (String f : view) {
            Replicator r = replicators.get(f);
            if (r == null || r.lastAckNanos == 0) {
                min = Math.min(min, Math.max(0, r == null ? 0 : r.ackedLsn));
                lease = Long.MIN_VALUE;
                continue;
            }
            min = Math.min(min, Math.max(0, r.ackedLsn));
            lease = Math.min(lease, r.ackedSendNanos + leaseNanos);
        }
        leaseUntil = lease;
        replica.setReplicatedLsn(min);
    }

    /** A follower is at a higher epoch: this primary cannot commit any more; writers and readers give up. */
    void deposed(String follower, ShardState route) {
        fenced = true;
        replica.failWaiters();
        log.warn("{}: deposed (follower {} follows epoch {} primary {}); refusing reads and writes", context(), follower,
                route.getEpoch(), route.getPrimary());
        node.refreshFromZooKeeper(replica);
    }

    /**
     * Waits until this primary may serve: past the promotion delay, and (reads) holding the lease.
     * Throws NOT_PRIMARY when deposed, NOT_SERVING after the stall timeout.
     */
    void awaitServing(boolean write) {
        long now = System.nanoTime();
        if (!fenced && now - servingNotBefore >= 0 && (write || leaseHeld(now))) {
            return;
        }
        long deadline = now + node.settings().stallTimeout().toNanos();
        while (true) {
            if (fenced || closed) {
                ShardState s = replica.state();
                throw new ShardException(Error.Code.NOT_PRIMARY, null, context() + " is no longer serving (deposed)", s);
            }
            now = System.nanoTime();
            if (now - servingNotBefore >= 0 && (write || leaseHeld(now))) {
                return;
            }
            if (now - deadline >= 0) {
                throw new ShardException(Error.Code.NOT_SERVING, null, context() + (now - servingNotBefore < 0
                        ? ": waiting out the previous primary's lease" : ": no read lease (sync set " + viewCopy()
                        + " has not acknowledged recently)"), replica.state());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ShardException(Error.Code.NOT_SERVING, null, "interrupted", replica.state());
            }
        }
    }

    private boolean leaseHeld(long now) {
        long until = leaseUntil;
        return until == Long.MAX_VALUE || until - now > 0;
    }

    boolean serving() {
        long now = System.nanoTime();
        return !fenced && !closed && now - servingNotBefore >= 0 && leaseHeld(now);
    }

    private synchronized Set<String> viewCopy() {
        return new HashSet<>(view);
    }

    /** Heartbeats, and sync-set maintenance: drop silent followers, add caught-up ones. */
    void tick() {
        if (closed || fenced) {
            return;
        }
        long now = System.nanoTime();
        long heartbeat = node.settings().heartbeat().toNanos();
        long timeout = node.settings().replicationTimeout().toNanos();
        List<Replicator> rs;
        SyncSetChangeRequest change = null;
        synchronized (this) {
            rs = new ArrayList<>(replicators.values());
            recompute(); // the lease runs out with time, not only with acknowledgements
            if (!changing && now - nextChangeNanos >= 0) {
                List<String> remove = new ArrayList<>();
                for (String f : view) {
                    Replicator r = replicators.get(f);
                    long last = Math.max(r == null ? 0 : r.lastAckNanos, r == null ? 0 : r.sinceNanos);
                    if (r == null || now - last > timeout) {
                        remove.add(f);
                    }
                }
                List<String> add = new ArrayList<>();
                long lastLsn = replica.lastLsn();
                // A pending add whose follower was reset (failed, refused, re-registered) is dropped:
                // ZooKeeper does not have it (no call is under way, none with an unknown outcome).
                boolean dropped = pendingAdds.keySet().removeIf(f -> {
                    Replicator r = replicators.get(f);
                    if (addUnknown.contains(f) || syncSet.contains(f) || (r != null && r.handshaken)) {
                        return false;
                    }
                    view.remove(f);
                    log.info("{}: follower {} fell behind again before it was added; not waiting for it", context(), f);
                    return true;
                });
                if (dropped) {
                    recompute();
                }
                for (Replicator r : rs) {
                    if (view.contains(r.followerId) && !pendingAdds.containsKey(r.followerId)) {
                        continue;
                    }
                    long[] backoff = addBackoff.get(r.followerId);
                    if (backoff != null && now - backoff[1] < 0) {
                        continue; // the coordinator refused it recently
                    }
                    Long barrier = pendingAdds.get(r.followerId);
                    if (barrier == null && r.caughtUp(lastLsn, now, timeout)) {
                        // start waiting for it first; ask for the change once it holds all we acknowledged before
                        pendingAdds.put(r.followerId, lastLsn);
                        view.add(r.followerId);
                        recompute();
                        log.info("{}: follower {} caught up at lsn {}; waiting for it from now on", context(), r.followerId,
                                r.ackedLsn);
                    } else if (barrier != null && r.caughtUp(barrier, now, timeout) && !remove.contains(r.followerId)) {
                        add.add(r.followerId);
                    }
                }
                if (!remove.isEmpty() || !add.isEmpty()) {
                    changing = true;
                    change = SyncSetChangeRequest.newBuilder().setShardId(replica.shardId()).setEpoch(epoch)
                            .setPrimary(node.nodeId()).addAllRemove(remove).addAllAdd(add).build();
                }
            }
        }
        for (Replicator r : rs) {
            r.tick(heartbeat);
        }
        if (change != null) {
            SyncSetChangeRequest req = change;
            node.background(() -> changeSyncSet(req));
        }
    }

    private void changeSyncSet(SyncSetChangeRequest req) {
        boolean failed = false;
        try {
            int failures;
            synchronized (this) {
                failures = failedChanges;
            }
            if (failures == 0) {
                log.info("{}: asking the coordinator to remove {} from / add {} to the sync set", context(),
                        req.getRemoveList(), req.getAddList());
            }
            SyncSetChangeResponse resp = node.coordinator().changeSyncSet(req);
            if (resp.hasState() && resp.getState().getShardId() == replica.shardId()) {
                ShardState next = resp.getState();
                List<Replicator> refused = new ArrayList<>();
                synchronized (this) {
                    for (String f : req.getRemoveList()) {
                        if (!next.getSyncSetList().contains(f)) {
                            pendingAdds.remove(f); // ZooKeeper does not wait for it: neither do we
                        }
                    }
                    if (next.getEpoch() == epoch) {
                        for (String f : req.getAddList()) {
                            addUnknown.remove(f); // the reply is the outcome
                            if (next.getSyncSetList().contains(f)) {
                                addBackoff.remove(f);
                                continue;
                            }
                            // refused (not live, or holds no replica): stop waiting for it, handshake again, back off
                            pendingAdds.remove(f);
                            long[] b = addBackoff.computeIfAbsent(f, x -> new long[2]);
                            b[0]++;
                            long millis = Math.min(MAX_ADD_BACKOFF_MILLIS, FIRST_ADD_BACKOFF_MILLIS << Math.min(b[0], 10));
                            b[1] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
                            log.info("{}: the coordinator did not add follower {} to the sync set; asking again in {} ms at the earliest",
                                    context(), f, millis);
                            Replicator r = replicators.get(f);
                            if (r != null) {
                                refused.add(r);
                            }
                        }
                    }
                }
                for (Replicator r : refused) {
                    r.reset("the coordinator refused to add it to the sync set");
                }
                try {
                    replica.adoptState(next); // a change of state reaches update() through the listener
                } catch (ShardException e) {
                    log.debug("{}: not adopting the coordinator's state: {}", context(), e.getMessage());
                }
                ShardState cur = replica.state();
                if (!closed && cur.getEpoch() == epoch && node.nodeId().equals(cur.getPrimary())) {
                    update(cur); // also when the state did not change
                }
            }
            if (resp.hasError() && resp.getError().getCode() != Error.Code.OK) {
                failed = !resp.hasState(); // e.g. NOT_PRIMARY: that coordinator no longer leads
                log.warn("{}: ChangeSyncSet refused: {} {}", context(), resp.getError().getCode(), resp.getError().getMessage());
            }
        } catch (Exception e) {
            failed = true;
            synchronized (this) {
                addUnknown.addAll(req.getAddList()); // the coordinator may have added them: keep waiting for them
            }
            boolean first;
            synchronized (this) {
                first = failedChanges == 0;
            }
            if (first) {
                log.warn("{}: cannot reach the coordinator to change the sync set ({}); still waiting for {}, retrying",
                        context(), e.toString(), req.getRemoveList());
            } else {
                log.debug("{}: ChangeSyncSet failed again: {}", context(), e.toString());
            }
        } finally {
            synchronized (this) {
                changing = false;
                if (failed) {
                    failedChanges++;
                    long backoffMillis = Math.min(2_000, 100L << Math.min(failedChanges, 5));
                    nextChangeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
                } else {
                    if (failedChanges > 0) {
                        log.info("{}: reached the coordinator again after {} failed attempts", context(), failedChanges);
                    }
                    failedChanges = 0;
                }
            }
        }
    }

    synchronized List<FollowerProgress> progress() {
        List<FollowerProgress> out = new ArrayList<>();
        long now = System.nanoTime();
        for (Replicator r : replicators.values()) {
            out.add(FollowerProgress.newBuilder().setNodeId(r.followerId).setAckedLsn(Math.max(0, r.ackedLsn))
                    .setInSyncSet(view.contains(r.followerId))
                    .setMillisSinceAck(r.lastAckNanos == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(now - r.lastAckNanos))
                    .build());
        }
        return out;
    }

    /** The sync set this primary acts on: itself and its view. */
    synchronized List<String> syncSetView() {
        List<String> out = new ArrayList<>();
        out.add(node.nodeId());
        out.addAll(view);
        out.sort(null);
        return out;
    }

    void close() {
        closed = true;
        synchronized (this) {
            for (Replicator r : replicators.values()) {
                r.stop();
            }
            replicators.clear();
        }
        replica.setAppendListener(null);
        replica.failWaiters();
        log.info("{}: no longer primary", context());
    }
}
