package io.tessera.coordinator.failover;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Status;
import io.tessera.coordinator.catalog.Catalog;
import io.tessera.coordinator.failover.Promotion.Candidate;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.membership.Membership;
import io.tessera.coordinator.membership.MembershipListener;
import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.coordinator.placement.Placement;
import io.tessera.coordinator.shardmap.ShardStateStore;
import io.tessera.coordinator.shardmap.ShardStateStore.Update;
import io.tessera.coordinator.shardmap.VersionedShard;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.DropReplicaRequest;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.PingResponse;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's failover duty (docs/replication.md, "Failover"). While this coordinator leads, a
 * sweep runs on the failover thread every {@code sweepInterval} and whenever a shard node joins or
 * leaves; it reads the live nodes and every shard state from ZooKeeper (never a cache), counts a
 * registered node whose port refuses connections as gone ({@link RefusedNodes}), and:
 * <ol>
 *   <li><b>promotes</b>: a shard whose primary is not live gets the most advanced live sync-set
 *       member ({@link ReplicaProbe}, {@link Promotion}) as primary of the next epoch, with the
 *       members that answered as its sync set; with no live member the shard stays down;
 *   <li><b>drops dead followers</b> from the sync set of a live primary (same epoch);
 *   <li><b>replaces</b> a follower absent longer than {@code replaceAfter} by a live node that
 *       does not hold the shard (outside the sync set: the primary adds it once caught up);
 *   <li><b>reconciles returning nodes</b> (and, after an election, every node once): pushes the
 *       current state of each shard that lists the node, which creates a missing replica empty, and
 *       drops the replicas the node holds but no shard lists any more. A node that comes back
 *       without a replica it should hold (a wiped disk) first leaves that shard's sync set, or, if it
 *       was the primary, the shard fails over as if the node had died.
 * </ol>
 * Every change is a fenced CAS ({@link ShardStateStore#update}); the new state is then pushed with
 * {@code OpenReplica} to the shard's live replicas (best effort: a node that misses a push is
 * reconciled on the next sweep). Absence is measured in memory from the first sweep that saw the
 * node missing, so a new leader starts the {@code replaceAfter} clock again.
 */
public final class FailoverManager implements MembershipListener, Closeable {
    private static final Logger log = LoggerFactory.getLogger(FailoverManager.class);
    /** Deadline of ReplicaStatus and Ping: a hung node must not hold up failover. */
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(1);

    private final ShardStateStore store;
    private final Membership membership;
    private final ShardNodeAdmin nodes;
    private final Catalog catalog;
    private final ReplicaProbe probe;
    private final Duration sweepInterval;
    private final Duration replaceAfter;
    private final Consumer<Fence> fenced;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService thread;
    private volatile Term term;

    /**
     * @param fenced told when a fenced write was refused (the term is over); the leadership ends it
     * @param nanoClock monotonic time in nanoseconds, for {@code replaceAfter}
     */
    public FailoverManager(ShardStateStore store, Membership membership, ShardNodeAdmin nodes, Catalog catalog,
            Duration sweepInterval, Duration replaceAfter, Consumer<Fence> fenced, LongSupplier nanoClock) {
        this.store = store;
        this.membership = membership;
        this.nodes = nodes;
        this.catalog = catalog;
        this.probe = new ReplicaProbe(nodes, PROBE_DEADLINE);
        this.sweepInterval = sweepInterval;
        this.replaceAfter = replaceAfter;
        this.fenced = fenced;
        this.nanoClock = nanoClock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coordinator-failover");
            t.setDaemon(true);
            return t;
        });
    }

    /** What one leadership term knows; a new term starts from scratch. Touched on the failover thread. */
    private static final class Term {
        final Fence fence;
        /** Nodes whose replicas were reconciled in this term, with the registration that was. */
        final Map<String, NodeInfo> reconciled = new ConcurrentHashMap<>();
        /** Nodes named by a shard but not live, since when (nanoClock). */
        final Map<String, Long> absentSince = new HashMap<>();
        /** Conditions already logged, so a shard that stays down does not flood the log. */
        final Set<String> reported = new HashSet<>();
        final AtomicBoolean sweepQueued = new AtomicBoolean();
        final RefusedNodes refused;
        ScheduledFuture<?> sweeps;

        Term(Fence fence, RefusedNodes refused) {
            this.fence = fence;
            this.refused = refused;
        }
    }

    /** Starts sweeping for the term of {@code fence} (called when elected; never blocks). */
    public synchronized void start(Fence fence) {
        Term t = new Term(fence, new RefusedNodes(nodes));
        term = t;
        try {
            t.sweeps = thread.scheduleWithFixedDelay(() -> sweep(t), 0, sweepInterval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            term = null;
        }
        log.info("Failover duty started at coordinator epoch {} (sweep every {} ms, replace after {})",
                fence.epoch(), sweepInterval.toMillis(), replaceAfter);
    }

    /** Stops sweeping when the term of {@code fence} ends. */
    public synchronized void stop(Fence fence) {
        Term t = term;
        if (t != null && t.fence == fence) {
            term = null;
            if (t.sweeps != null) {
                t.sweeps.cancel(false);
            }
            log.info("Failover duty stopped (coordinator epoch {})", fence.epoch());
        }
    }

    @Override
    public void nodeJoined(NodeInfo node) {
        nodeChanged(node);
    }

    @Override
    public void nodeLeft(NodeInfo node) {
        nodeChanged(node);
    }

    private void nodeChanged(NodeInfo node) {
        Term t = term;
        if (t != null) {
            t.reconciled.remove(node.getNodeId());
            trigger(t);
        }
    }

    /** Runs a sweep soon (at most one queued at a time). */
    private void trigger(Term t) {
        if (t.sweepQueued.compareAndSet(false, true)) {
            execute(() -> {
                t.sweepQueued.set(false);
                sweep(t);
            });
        }
    }

    /**
     * Pushes a state changed elsewhere (ChangeSyncSet) to the shard's live replicas, best effort,
     * on the failover thread.
     */
    public void publish(ShardState state) {
        execute(() -> {
            try {
                Tables tables = new Tables();
                push(state, tables, membership.liveNodes());
            } catch (Exception e) {
                log.warn("Shard {}: could not push state at epoch {} (sync set {}): {}", state.getShardId(),
                        state.getEpoch(), state.getSyncSetList(), e.toString());
            }
        });
    }

    // ------------------------------------------------------------------------------------------- sweep

    private void sweep(Term t) {
        if (term != t) {
            return;
        }
        try {
            sweepOnce(t);
        } catch (NotLeaderException e) {
            log.warn("Failover sweep refused: coordinator epoch {} was superseded", t.fence.epoch());
            fenced.accept(t.fence);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Failover sweep failed at coordinator epoch {}, retrying: {}", t.fence.epoch(), e.toString());
        }
    }

    private void sweepOnce(Term t) throws Exception {
        Map<String, NodeInfo> live = new TreeMap<>(membership.readLiveNodes());
        live.keySet().removeAll(t.refused.refusing(live));
        List<VersionedShard> shards = store.readAll();
        long now = nanoClock.getAsLong();
        trackAbsence(t, shards, live, now);
        t.reconciled.entrySet().removeIf(e -> !e.getValue().equals(live.get(e.getKey())));
        Tables tables = new Tables();

        List<VersionedShard> orphaned = shards.stream()
                .filter(v -> !live.containsKey(v.state().getPrimary())).toList();
        if (!orphaned.isEmpty()) {
            promote(t, orphaned, live, tables);
        }
        Map<String, Integer> load = new HashMap<>();
        shards.forEach(v -> v.state().getReplicasList().forEach(n -> load.merge(n, 1, Integer::sum)));
        for (VersionedShard v : shards) {
            if (live.containsKey(v.state().getPrimary())) {
                repair(t, v.state(), live, load, now, tables);
            }
        }
        for (NodeInfo node : live.values()) {
            if (!node.equals(t.reconciled.get(node.getNodeId()))) {
                Set<Long> expected = new HashSet<>();
                shards.stream().filter(v -> v.state().getReplicasList().contains(node.getNodeId()))
                        .forEach(v -> expected.add(v.state().getShardId()));
                reconcile(t, node, expected);
            }
        }
    }

    private void trackAbsence(Term t, List<VersionedShard> shards, Map<String, NodeInfo> live, long now) {
        Set<String> absent = new HashSet<>();
        for (VersionedShard v : shards) {
            v.state().getReplicasList().stream().filter(n -> !live.containsKey(n)).forEach(absent::add);
        }
        t.absentSince.keySet().retainAll(absent);
        for (String node : absent) {
            if (t.absentSince.putIfAbsent(node, now) == null) {
                log.info("Node {} is absent; its replicas are re-created elsewhere if it stays away for {}",
                        node, replaceAfter);
            }
        }
    }

    // --------------------------------------------------------------------------------------- promotion

    private void promote(Term t, List<VersionedShard> orphaned, Map<String, NodeInfo> live, Tables tables)
            throws Exception {
        Map<String, List<Long>> asks = new TreeMap<>();
        for (VersionedShard v : orphaned) {
            ShardState s = v.state();
            List<String> members = liveMembers(s, live);
            if (members.isEmpty()) {
                if (t.reported.add("down " + s.getShardId() + "@" + s.getEpoch())) {
                    log.error("Shard {} of table {} is DOWN: primary {} is gone and no other member of its sync set {}"
                            + " is (replicas {}, epoch {}); it waits for one of them to return",
                            s.getShardId(), tables.name(s.getTableId()), s.getPrimary(), s.getSyncSetList(),
                            s.getReplicasList(), s.getEpoch());
                }
                continue;
            }
            members.forEach(m -> asks.computeIfAbsent(m, n -> new ArrayList<>()).add(s.getShardId()));
        }
        if (asks.isEmpty()) {
            return;
        }
        Map<Long, Map<String, Candidate>> reports = probe.probe(asks, live);
        for (VersionedShard v : orphaned) {
            ShardState seen = v.state();
            List<String> members = liveMembers(seen, live);
            if (members.isEmpty()) {
                continue;
            }
            Map<String, Candidate> answered = reports.getOrDefault(seen.getShardId(), Map.of());
            List<Candidate> candidates = members.stream().filter(answered::containsKey).map(answered::get).toList();
            Optional<Candidate> chosen = Promotion.choose(candidates);
            if (chosen.isEmpty()) {
                if (t.reported.add("unanswered " + seen.getShardId() + "@" + seen.getEpoch())) {
                    log.warn("Shard {} of table {}: primary {} is gone and none of the live sync-set members {}"
                            + " answered ReplicaStatus; retrying", seen.getShardId(), tables.name(seen.getTableId()),
                            seen.getPrimary(), members);
                }
                continue;
            }
            List<String> responders = candidates.stream().map(Candidate::nodeId).toList();
            String primary = chosen.get().nodeId();
            // Only if nothing changed since the probe: a sync set that shrank meanwhile (the old
            // primary may still call ChangeSyncSet) could exclude our candidate.
            Optional<Update> u = store.update(t.fence, seen.getShardId(),
                    s -> s.equals(seen) ? ShardStates.promote(s, primary, responders) : s);
            if (u.isPresent() && u.get().changed()) {
                ShardState next = u.get().after();
                log.info("Shard {} of table {}: primary {} is gone; promoted {} at epoch {} -> {}; sync set {} -> {};"
                        + " candidates {}", next.getShardId(), tables.name(next.getTableId()), seen.getPrimary(),
                        primary, seen.getEpoch(), next.getEpoch(), seen.getSyncSetList(), next.getSyncSetList(),
                        candidates);
                push(next, tables, live);
            } else {
                log.info("Shard {}: state changed during the promotion probe; deciding again next sweep",
                        seen.getShardId());
            }
        }
    }

    /** The live members of the sync set other than the primary, in replicas order. */
    private static List<String> liveMembers(ShardState s, Map<String, NodeInfo> live) {
        return s.getReplicasList().stream()
                .filter(n -> !n.equals(s.getPrimary()) && s.getSyncSetList().contains(n) && live.containsKey(n))
                .toList();
    }

    // ------------------------------------------------------------------------ dead followers, replacement

    private void repair(Term t, ShardState seen, Map<String, NodeInfo> live, Map<String, Integer> load, long now,
            Tables tables) throws Exception {
        Set<String> deadSync = new HashSet<>();
        seen.getSyncSetList().stream().filter(n -> !live.containsKey(n)).forEach(deadSync::add);
        if (!deadSync.isEmpty()) {
            Optional<Update> u = store.update(t.fence, seen.getShardId(),
                    s -> s.getPrimary().equals(seen.getPrimary()) ? ShardStates.withoutSyncMembers(s, deadSync) : s);
            if (u.isPresent() && u.get().changed()) {
                ShardState next = u.get().after();
                log.info("Shard {} of table {}: followers {} are not live; sync set {} -> {} (epoch {}, primary {})",
                        next.getShardId(), tables.name(next.getTableId()), deadSync, u.get().before().state().getSyncSetList(),
                        next.getSyncSetList(), next.getEpoch(), next.getPrimary());
                push(next, tables, live);
            }
            return;
        }
        for (String gone : seen.getReplicasList()) {
            Long since = t.absentSince.get(gone);
            if (since == null || now - since < replaceAfter.toNanos() || gone.equals(seen.getPrimary())) {
                continue;
            }
            Optional<String> target = Placement.replacement(live.keySet(), seen.getReplicasList(), load);
            if (target.isEmpty()) {
                if (t.reported.add("no target " + seen.getShardId() + " " + gone)) {
                    log.warn("Shard {} of table {}: node {} is absent for more than {} but every live node already"
                            + " holds the shard (replicas {}); it keeps its place", seen.getShardId(),
                            tables.name(seen.getTableId()), gone, replaceAfter, seen.getReplicasList());
                }
                return;
            }
            String to = target.get();
            Optional<Update> u = store.update(t.fence, seen.getShardId(),
                    s -> s.getPrimary().equals(seen.getPrimary()) && s.getReplicasList().contains(gone)
                            && !s.getReplicasList().contains(to) ? ShardStates.replace(s, gone, to) : s);
            if (u.isPresent() && u.get().changed()) {
                ShardState next = u.get().after();
                load.merge(to, 1, Integer::sum);
                load.merge(gone, -1, Integer::sum);
                log.info("Shard {} of table {}: node {} absent for more than {}; replica re-created on {}: replicas {} -> {}"
                        + " (epoch {}, primary {}, sync set {})", next.getShardId(), tables.name(next.getTableId()),
                        gone, replaceAfter, to, seen.getReplicasList(), next.getReplicasList(), next.getEpoch(),
                        next.getPrimary(), next.getSyncSetList());
                push(next, tables, live);
            }
            return; // one replacement per shard and sweep
        }
    }

    // ----------------------------------------------------------------------------------- reconciliation

    /**
     * Pings the node (async), then pushes its shards' states and drops the replicas it no longer
     * holds. {@code expected} are the shards that listed the node before the Ping: if the node
     * does not report one of them, it lost its copy (a wiped disk) and must neither stay in the
     * sync set nor, as primary, be handed an empty replica to lead.
     */
    private void reconcile(Term t, NodeInfo node, Set<Long> expected) {
        t.reconciled.put(node.getNodeId(), node);
        Futures.addCallback(nodes.ping(node.getAddress(), PROBE_DEADLINE), new FutureCallback<>() {
            @Override
            public void onSuccess(PingResponse ping) {
                execute(() -> finishReconcile(t, node, expected, Optional.of(Set.copyOf(ping.getShardIdsList()))));
            }

            @Override
            public void onFailure(Throwable e) {
                if (Status.fromThrowable(e).getCode() == Status.Code.UNIMPLEMENTED) {
                    // What it holds is unknown: push its states, drop nothing, suspect no loss.
                    execute(() -> finishReconcile(t, node, expected, Optional.empty()));
                    return;
                }
                t.reconciled.remove(node.getNodeId(), node);
                execute(() -> {
                    boolean first = t.reported.add("ping " + node.getNodeId() + " " + node.getStartedAtMillis());
                    String message = "Node {} at {} did not answer Ping ({}); reconciling it next sweep";
                    if (first) {
                        log.info(message, node.getNodeId(), node.getAddress(), e.toString());
                    } else {
                        log.debug(message, node.getNodeId(), node.getAddress(), e.toString());
                    }
                });
            }
        }, MoreExecutors.directExecutor());
    }

    /** @param reported the shards the node holds, or empty when it cannot tell (no Ping) */
    private void finishReconcile(Term t, NodeInfo node, Set<Long> expected, Optional<Set<Long>> reported) {
        if (term != t) {
            return;
        }
        String id = node.getNodeId();
        Set<Long> held = reported.orElse(Set.of());
        Set<Long> suspect = reported.isPresent() ? expected : Set.of();
        try {
            Map<String, NodeInfo> live = membership.readLiveNodes();
            // Read after the Ping: a shard the node reports is either in this read or was created
            // after it (a table being created): only shards that exist and do not list it are dropped.
            List<VersionedShard> all = store.readAll();
            Tables tables = new Tables();
            List<Long> pushed = new ArrayList<>();
            List<Long> dropped = new ArrayList<>();
            List<VersionedShard> lostPrimaries = new ArrayList<>();
            for (VersionedShard v : all) {
                ShardState s = v.state();
                long shardId = s.getShardId();
                if (!s.getReplicasList().contains(id)) {
                    if (held.contains(shardId)) {
                        dropped.add(shardId);
                        DropReplicaRequest drop = DropReplicaRequest.newBuilder().setShardId(shardId).build();
                        onAnswer(nodes.dropReplica(node.getAddress(), drop), node, "DropReplica of shard " + shardId);
                    }
                    continue;
                }
                if (suspect.contains(shardId) && !held.contains(shardId)) {
                    if (s.getPrimary().equals(id)) {
                        lostPrimaries.add(v);
                        continue;
                    }
                    if (s.getSyncSetList().contains(id)) {
                        Optional<Update> u = store.update(t.fence, shardId, x -> ShardStates.withoutSyncMembers(x, Set.of(id)));
                        if (u.isEmpty()) {
                            continue;
                        }
                        s = u.get().after();
                        log.warn("Shard {} of table {}: node {} returned without its replica; sync set {} -> {}"
                                + " (epoch {}, primary {})", shardId, tables.name(s.getTableId()), id,
                                v.state().getSyncSetList(), s.getSyncSetList(), s.getEpoch(), s.getPrimary());
                        if (u.get().changed()) {
                            push(s, tables, live);
                            pushed.add(shardId);
                            continue;
                        }
                    }
                }
                if (pushTo(node, s, tables)) {
                    pushed.add(shardId);
                }
            }
            if (!pushed.isEmpty() || !dropped.isEmpty()) {
                log.info("Node {} at {} reconciled: state pushed for shards {}{}", id, node.getAddress(), pushed,
                        dropped.isEmpty() ? "" : "; dropping replicas it no longer holds: " + dropped);
            }
            if (!lostPrimaries.isEmpty()) {
                List<Long> ids = lostPrimaries.stream().map(v -> v.state().getShardId()).toList();
                if (t.reported.add("lost " + id + " " + ids)) {
                    log.warn("Node {} returned without its replicas of shards {} it is the primary of; failing them over",
                            id, ids);
                }
                promote(t, lostPrimaries, live, tables);
                // Look again next sweep: a shard without a live sync-set member must wait for one.
                t.reconciled.remove(id, node);
            }
        } catch (NotLeaderException e) {
            log.warn("Reconciliation of node {} refused: coordinator epoch {} was superseded", id, t.fence.epoch());
            fenced.accept(t.fence);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            t.reconciled.remove(id, node);
            log.warn("Node {}: reconciliation failed, retrying next sweep: {}", id, e.toString());
        }
    }

    // ---------------------------------------------------------------------------------------- pushing

    /** Sends the state to every live replica of the shard. */
    private void push(ShardState s, Tables tables, Map<String, NodeInfo> live) throws Exception {
        for (String node : s.getReplicasList()) {
            NodeInfo info = live.get(node);
            if (info != null) {
                pushTo(info, s, tables);
            }
        }
    }

    /** OpenReplica with the table's schema; returns false when the table is gone. */
    private boolean pushTo(NodeInfo node, ShardState s, Tables tables) throws Exception {
        TableSchema table = tables.get(s.getTableId());
        if (table == null) {
            log.debug("Shard {}: table {} is gone; state not pushed to {}", s.getShardId(), s.getTableId(),
                    node.getNodeId());
            return false;
        }
        OpenReplicaRequest open = OpenReplicaRequest.newBuilder().setShard(s).setTable(table).build();
        onAnswer(nodes.openReplica(node.getAddress(), open), node,
                "OpenReplica of shard " + s.getShardId() + " at epoch " + s.getEpoch());
        return true;
    }

    /** Logs a failed call and has the node reconciled again on the next sweep. */
    private void onAnswer(ListenableFuture<AdminResponse> call, NodeInfo node, String what) {
        Futures.addCallback(call, new FutureCallback<>() {
            @Override
            public void onSuccess(AdminResponse r) {
                if (!ShardErrors.isOk(r.getError())) {
                    failed(r.getError().getCode() + ": " + r.getError().getMessage());
                }
            }

            @Override
            public void onFailure(Throwable e) {
                failed(e.toString());
            }

            private void failed(String why) {
                Term t = term;
                if (t != null) {
                    t.reconciled.remove(node.getNodeId(), node);
                }
                log.warn("{} on node {} ({}) failed; retrying on the next sweep: {}", what, node.getNodeId(),
                        node.getAddress(), why);
            }
        }, MoreExecutors.directExecutor());
    }

    /** The table schemas, read once per sweep when first needed. */
    private final class Tables {
        private Map<Long, TableSchema> byId;

        TableSchema get(long tableId) throws Exception {
            if (byId == null) {
                byId = catalog.readTablesById();
            }
            return byId.get(tableId);
        }

        String name(long tableId) {
            try {
                TableSchema t = get(tableId);
                return t == null ? "#" + tableId : t.getName();
            } catch (Exception e) {
                return "#" + tableId;
            }
        }
    }

    private void execute(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    @Override
    public void close() {
        Term t = term;
        if (t != null) {
            stop(t.fence);
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
