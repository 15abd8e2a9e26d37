package io.tessera.coordinator.gc;

import com.google.common.util.concurrent.ListenableFuture;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.membership.Membership;
import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.coordinator.shardmap.ShardStateStore;
import io.tessera.coordinator.shardmap.VersionedShard;
import io.tessera.coordinator.tso.TimestampOracle;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.CollectGarbageRequest;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.time.Timestamps;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's garbage-collection duty (docs/transactions.md, "Garbage collection"). Every
 * {@code interval} it raises the safe point to the oracle's current timestamp minus {@code window}
 * (never lowering it), persists it in ZooKeeper ({@link SafePointStore}), and then:
 * <ol>
 *   <li>sends it to every replica of every shard ({@code CollectGarbage}): from then on a replica
 *       refuses reads below it, and its primary refuses prewrites and commit points of transactions
 *       that started below it; each replica removes old versions in the background;
 *   <li>resolves every lock below it on every shard ({@link LockSweep}), rolling back transactions
 *       older than the window;
 *   <li>only if every replica took the safe point and no lock below it is left anywhere, sends
 *       {@code CollectGarbage} again with {@code txn_records_below = safe point}: no lock can ask
 *       about those transactions any more, so their records go.
 * </ol>
 * A round that fails part-way is harmless: the next one repeats it.
 */
public final class GarbageCollector implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    private final ShardStateStore shardStates;
    private final Membership membership;
    private final ShardNodeAdmin nodes;
    private final TimestampOracle tso;
    private final SafePointStore safePoints;
    private final Duration window;
    private final Duration interval;
    private final Consumer<Fence> fenced;
    private final ScheduledExecutorService thread;
    private volatile Term term;
    private volatile GcRound lastRound;

    /** One leadership term: its fence and the safe point it reached. Touched on the GC thread. */
    private static final class Term {
        final Fence fence;
        long safePoint = -1; // -1: not read from ZooKeeper yet
        ScheduledFuture<?> rounds;

        Term(Fence fence) {
            this.fence = fence;
        }
    }

    /**
     * @param window how far the safe point stays behind the oracle: {@code AS OF} reads and
     *     transactions may be that old
     * @param interval time between rounds
     * @param fenced told when a fenced write was refused (the term is over)
     */
    public GarbageCollector(ShardStateStore shardStates, Membership membership, ShardNodeAdmin nodes, TimestampOracle tso,
            SafePointStore safePoints, Duration window, Duration interval, Consumer<Fence> fenced) {
        this.shardStates = shardStates;
        this.membership = membership;
        this.nodes = nodes;
        this.tso = tso;
        this.safePoints = safePoints;
        this.window = window;
        this.interval = interval;
        this.fenced = fenced;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coordinator-gc");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the rounds of the term of {@code fence} (called when elected; never blocks). */
    public synchronized void start(Fence fence) {
        Term t = new Term(fence);
        term = t;
        try {
            t.rounds = thread.scheduleWithFixedDelay(() -> round(t), interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            term = null;
        }
        log.info("GC duty started at coordinator epoch {} (window {}, a round every {})", fence.epoch(), window, interval);
    }

    /** Stops the rounds when the term of {@code fence} ends. */
    public synchronized void stop(Fence fence) {
        Term t = term;
        if (t != null && t.fence == fence) {
            term = null;
            if (t.rounds != null) {
                t.rounds.cancel(false);
            }
            log.info("GC duty stopped (coordinator epoch {})", fence.epoch());
        }
    }

    /** The last completed round of this coordinator, if any (status, tests). */
    public Optional<GcRound> lastRound() {
        return Optional.ofNullable(lastRound);
    }

    private void round(Term t) {
        if (term != t) {
            return;
        }
        try {
            GcRound r = collect(t);
            if (r != null) {
                lastRound = r;
            }
        } catch (NotLeaderException e) {
            log.info("GC: coordinator epoch {} is over: {}", t.fence.epoch(), e.getMessage());
            fenced.accept(t.fence);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("GC round at coordinator epoch {} failed (the next round retries): {}", t.fence.epoch(), e.toString());
        }
    }

    private GcRound collect(Term t) throws Exception {
        if (t.safePoint < 0) {
            t.safePoint = safePoints.read();
        }
        long now;
        try {
            now = tso.next(1);
        } catch (NotLeaderException e) {
            return null; // the oracle is suspended or not yet serving: no safe point this time
        }
        long safePoint = Math.max(t.safePoint, now - Timestamps.ofMillis(window.toMillis()));
        if (safePoint <= 0) {
            return null;
        }
        safePoint = safePoints.raise(t.fence, safePoint);
        t.safePoint = safePoint;

        Map<Long, ShardState> shards = new LinkedHashMap<>();
        for (VersionedShard v : shardStates.readAll()) {
            shards.put(v.state().getShardId(), v.state());
        }
        ShardRoutes routes = new ShardRoutes(shards, membership.readLiveNodes(), nodes);
        int[] reached = sendToEveryReplica(routes, safePoint, 0);
        boolean everyReplica = reached[0] == reached[1];

        LockSweep sweep = new LockSweep(routes, nodes.deadline());
        boolean noLocksLeft = true;
        for (long shardId : shards.keySet()) {
            if (term != t) {
                return null;
            }
            noLocksLeft &= sweep.sweep(shardId, safePoint);
        }
        boolean records = everyReplica && noLocksLeft;
        if (records) {
            int[] again = sendToEveryReplica(routes, safePoint, safePoint);
            records = again[0] == again[1];
        }
        GcRound r = new GcRound(safePoint, reached[1], reached[0], sweep.resolved(), records);
        // a round that had nothing to report (the usual one) is not worth a line at INFO every interval
        boolean notable = sweep.resolved() > 0 || !records;
        (notable ? log.atInfo() : log.atDebug()).log("GC round at coordinator epoch {}: safe point {} reached {} of {}"
                + " replicas, {} locks resolved, transaction records {}", t.fence.epoch(), safePoint, reached[0],
                reached[1], sweep.resolved(),
                records ? "collected" : "kept (a replica was not reached or a lock is left)");
        return r;
    }

    /** CollectGarbage to every replica of every shard in parallel; returns {reached, total}. */
    private int[] sendToEveryReplica(ShardRoutes routes, long safePoint, long txnRecordsBelow) throws InterruptedException {
        int total = 0;
        List<ListenableFuture<AdminResponse>> calls = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (ShardState s : routes.shards().values()) {
            CollectGarbageRequest req = CollectGarbageRequest.newBuilder().setShardId(s.getShardId())
                    .setSafePoint(safePoint).setTxnRecordsBelow(txnRecordsBelow).build();
            for (String node : s.getReplicasList()) {
                total++;
                Optional<String> address = routes.address(node);
                if (address.isEmpty()) {
                    log.debug("GC: replica of shard {} on node {} is not live", s.getShardId(), node);
                    continue;
                }
                try {
                    calls.add(nodes.shardService(address.get()).collectGarbage(req));
                    targets.add("shard " + s.getShardId() + " on node " + node);
                } catch (RuntimeException e) {
                    log.debug("GC: CollectGarbage to node {} not sent: {}", node, e.toString());
                }
            }
        }
        int reached = 0;
        for (int i = 0; i < calls.size(); i++) {
            try {
                AdminResponse r = calls.get(i).get(nodes.deadline().toMillis() + 1_000, TimeUnit.MILLISECONDS);
                if (ShardErrors.isOk(r.getError())) {
                    reached++;
                } else {
                    log.info("GC: {} refused safe point {}: {} {}", targets.get(i), safePoint, r.getError().getCode(),
                            r.getError().getMessage());
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                calls.get(i).cancel(true);
                log.info("GC: {} did not take safe point {}: {}", targets.get(i), safePoint, e.toString());
            }
        }
        return new int[] {reached, total};
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
