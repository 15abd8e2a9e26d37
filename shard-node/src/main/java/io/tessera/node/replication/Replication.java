package io.tessera.node.replication;

import io.tessera.node.ShardException;
import io.tessera.node.ShardNodeConfig.ReplicationSettings;
import io.tessera.node.storage.Replica;
import io.tessera.node.storage.ReplicaSet;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ReplicaStatus;
import io.tessera.protocol.proto.ShardState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import io.tessera.protocol.proto.NodeInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication side of a shard node: reacts to its replicas' state changes (a {@link PrimaryGroup}
 * per shard it is primary of), gates reads and writes (role, promotion delay, read lease), answers
 * {@code Append}s as a follower ({@link Follower}), trims logs, and reports {@code ReplicaStatus}.
 */
public final class Replication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replication.class);
    private static final long TRIM_EVERY_MILLIS = 1_000;

    private final String nodeId;
    private final ReplicaSet replicas;
    private final ReplicationSettings settings;
    private final CuratorFramework zk;
    private final Supplier<String> address;
    private final Peers peers;
    private final LeaderCoordinator coordinator;
    private final Follower follower;
    private final Map<Long, PrimaryGroup> groups = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastFollowerAck = new ConcurrentHashMap<>(); // shard -> nanoTime
    private final ScheduledExecutorService timer;
    private final ExecutorService background;
    private final Map<String, Long> registrations = new ConcurrentHashMap<>(); // node -> czxid of its live znode
    private volatile boolean registrationsLoaded;
    private CuratorCache liveNodes;
    private volatile boolean closed;

    /**
     * @param zk      the node's Curator client (namespace of the cluster), or null without ZooKeeper
     * @param address this node's {@code host:port} (known once its server started)
     */
    public Replication(String nodeId, ReplicaSet replicas, ReplicationSettings settings, CuratorFramework zk,
            Supplier<String> address) {
        this.nodeId = nodeId;
        this.replicas = replicas;
        this.settings = settings;
        this.zk = zk;
        this.address = address;
        this.peers = new Peers(zk);
        this.coordinator = new LeaderCoordinator(zk, peers, settings.replicationTimeout().toMillis(), this::background);
        this.follower = new Follower(this);
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("tessera-repl-timer-" + nodeId));
        this.background = Executors.newCachedThreadPool(daemon("tessera-repl-" + nodeId));
        replicas.setStallTimeout(settings.stallTimeout().toMillis());
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts the groups of the replicas this node is primary of, and the heartbeat and trim timers. */
    public void start() {
        replicas.setStateListener(this::stateChanged);
        for (long id : replicas.shardIds()) {
            Replica r = replicas.get(id);
            if (r != null) {
                stateChanged(r, null);
            }
        }
        if (zk != null) {
            watchRegistrations();
        }
        long hb = settings.heartbeat().toMillis();
        timer.scheduleWithFixedDelay(this::tick, hb, hb, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::trim, TRIM_EVERY_MILLIS, TRIM_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    String nodeId() {
        return nodeId;
    }

    /**
     * Watches {@code /nodes/live}: a node that registers (again: a new znode, so a new session — it
     * restarted, perhaps with a wiped disk, or its session expired) has its address learned and its
     * followers' progress forgotten in every group this node leads.
     */
    private void watchRegistrations() {
        liveNodes = CuratorCache.build(zk, ZkPaths.NODES_LIVE);
        liveNodes.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((before, now) -> registered(now))
                .forDeletes(d -> {
                    String id = liveNodeId(d);
                    if (id != null) {
                        registrations.remove(id);
                    }
                })
                .forInitialized(() -> registrationsLoaded = true)
                .build());
        liveNodes.start();
    }

    private static String liveNodeId(ChildData d) {
        String prefix = ZkPaths.NODES_LIVE + "/";
        if (d == null || !d.getPath().startsWith(prefix) || d.getPath().length() == prefix.length()) {
            return null;
        }
        String id = d.getPath().substring(prefix.length());
        return id.contains("/") ? null : id;
    }

    private void registered(ChildData d) {
        String id = liveNodeId(d);
        if (id == null || id.equals(nodeId) || d.getStat() == null) {
            return;
        }
        long czxid = d.getStat().getCzxid();
        Long before = registrations.put(id, czxid);
        try {
            if (d.getData() != null) {
                peers.learn(id, NodeInfo.parseFrom(d.getData()).getAddress());
            }
        } catch (Exception e) {
            log.debug("node {}: unreadable registration of {}: {}", nodeId, id, e.toString());
        }
        if ((before == null && registrationsLoaded) || (before != null && before != czxid)) {
            background(() -> { // not on Curator's event thread: a reset may send a probe
                for (PrimaryGroup g : groups.values()) {
                    g.nodeChanged(id, "its node registered again");
                }
            });
        }
    }

    String address() {
        return address.get();
    }

    ReplicationSettings settings() {
        return settings;
    }

    Peers peers() {
        return peers;
    }

    LeaderCoordinator coordinator() {
        return coordinator;
    }

    ReplicaSet replicas() {
        return replicas;
    }

    CuratorFramework zk() {
        return zk;
    }

    Follower follower() {
        return follower;
    }

    void background(Runnable task) {
        if (!closed) {
            background.execute(task);
        }
    }

    void followerAcked(long shardId) {
        lastFollowerAck.put(shardId, System.nanoTime());
    }

    /** Reacts to a replica's new state: start, update or stop being its primary. */
    private synchronized void stateChanged(Replica r, ShardState previous) {
        if (closed) {
            return;
        }
        long shard = r.shardId();
        ShardState s = r.state();
        PrimaryGroup g = groups.get(shard);
        boolean dropped = replicas.get(shard) != r;
        boolean primary = !dropped && nodeId.equals(s.getPrimary());
        if (g != null && (!primary || g.epoch() != s.getEpoch())) {
            groups.remove(shard);
            g.close();
            g = null;
        }
        if (!primary) {
            r.failWaiters(); // writers and readers waiting on a former primary retry elsewhere
            return;
        }
        if (g == null) {
            Long acked = lastFollowerAck.get(shard);
            long notBefore = acked == null ? System.nanoTime() : acked + settings.lease().toNanos();
            g = new PrimaryGroup(this, r, s.getEpoch(), notBefore);
            groups.put(shard, g);
            g.start(s);
        } else {
            g.update(s);
        }
    }

    /**
     * Checks that this node may serve a read or write of {@code r} now: it is the primary of the
     * replica's epoch, past its promotion delay and (reads) holding its read lease. Waits for a
     * bounded time, then NOT_SERVING; NOT_PRIMARY when another node is the primary.
     */
    public void awaitServing(Replica r, boolean write) {
        ShardState s = r.state();
        if (s.getPrimary().isEmpty()) {
            return;
        }
        if (!s.getPrimary().equals(nodeId)) {
            throw new ShardException(Error.Code.NOT_PRIMARY, null, "node " + nodeId + " is not the primary of shard "
                    + s.getShardId() + " at epoch " + s.getEpoch() + " (the primary is " + s.getPrimary() + ")", s);
        }
        servingGroup(s).awaitServing(write);
    }

    /**
     * Checks that this primary may accept one-phase writes: it has taken an oracle timestamp as its
     * max_read_ts since it became primary (it does not know the reads its predecessor served). Call
     * after {@link #awaitServing}; waits for a bounded time, then NOT_SERVING.
     */
    public void awaitOnePhaseWrites(Replica r) {
        ShardState s = r.state();
        if (s.getPrimary().isEmpty()) {
            return;
        }
        servingGroup(s).awaitWriteFloor();
    }

    /**
     * {@link Replica#commitFloor()} where this primary knows every read its shard served (as for
     * one-phase writes, see {@link #awaitOnePhaseWrites}), else 0: the transaction takes an oracle
     * timestamp.
     */
    public long commitFloor(Replica r) {
        ShardState s = r.state();
        if (!s.getPrimary().isEmpty()) {
            PrimaryGroup g = groupAtEpoch(s);
            if (g == null || !g.writeFloorKnown()) {
                return 0;
            }
        }
        return r.commitFloor();
    }

    /** This primary's group at the replica's epoch, or null while it is still becoming primary. */
    private PrimaryGroup groupAtEpoch(ShardState s) {
        PrimaryGroup g = groups.get(s.getShardId());
        return g != null && g.epoch() == s.getEpoch() ? g : null;
    }

    /** As {@link #groupAtEpoch}; NOT_SERVING while there is none yet. */
    private PrimaryGroup servingGroup(ShardState s) {
        PrimaryGroup g = groupAtEpoch(s);
        if (g == null) {
            throw new ShardException(Error.Code.NOT_SERVING, null, "shard " + s.getShardId() + " on node " + nodeId
                    + " is becoming primary of epoch " + s.getEpoch(), s);
        }
        return g;
    }

    /** The replica's role and log position, as the coordinator and {@code tessera status} see them. */
    public ReplicaStatus status(Replica r) {
        ShardState s = r.state();
        Replica.Positions p = r.positions();
        ReplicaStatus.Builder b = ReplicaStatus.newBuilder().setShardId(r.shardId()).setTable(r.layout().tableName())
                .setEpoch(s.getEpoch()).setLastLsn(p.lastLsn()).setLastEpoch(p.lastEpoch()).setCommitLsn(p.commitLsn())
                .setAppliedTs(p.appliedTs()).setInstallingSnapshot(r.installingSnapshot() || follower.fetching(r.shardId()));
        PrimaryGroup g = groups.get(r.shardId());
        if (nodeId.equals(s.getPrimary()) && g != null && g.epoch() == s.getEpoch()) {
            b.setRole(ReplicaStatus.Role.PRIMARY).setServing(g.serving()).addAllFollowers(g.progress())
                    .addAllSyncSet(g.syncSetView());
        } else {
            b.setRole(ReplicaStatus.Role.FOLLOWER).addAllSyncSet(s.getSyncSetList());
        }
        return b.build();
    }

    /**
     * Reads the shard's state from ZooKeeper (after a sync) and returns it, or null when it cannot be
     * read. Never acts on cached data: this is the fencing check of an epoch change.
     */
    ShardState readState(long shardId) {
        if (zk == null) {
            return null;
        }
        String path = ZkPaths.shardState(shardId);
        try {
            CountDownLatch synced = new CountDownLatch(1);
            zk.sync().inBackground((c, e) -> synced.countDown()).forPath(path);
            if (!synced.await(settings.replicationTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("shard {}: ZooKeeper sync of {} timed out", shardId, path);
                return null;
            }
            return ShardState.parseFrom(zk.getData().forPath(path));
        } catch (Exception e) {
            log.warn("shard {}: cannot read {} from ZooKeeper: {}", shardId, path, e.toString());
            return null;
        }
    }

    /** A deposed primary catches up with ZooKeeper's state (in the background). */
    void refreshFromZooKeeper(Replica r) {
        background(() -> {
            ShardState s = readState(r.shardId());
            if (s != null && s.getEpoch() > r.state().getEpoch()) {
                try {
                    r.adoptState(s);
                } catch (ShardException e) {
                    log.debug("shard {}: {}", r.shardId(), e.getMessage());
                }
            }
        });
    }

    private void tick() {
        for (PrimaryGroup g : groups.values()) {
            try {
                g.tick();
            } catch (RuntimeException e) {
                log.warn("{}: replication tick failed", g.context(), e);
            }
        }
    }

    private void trim() {
        for (long id : replicas.shardIds()) {
            Replica r = replicas.get(id);
            if (r == null) {
                continue;
            }
            try {
                while (!closed && r.trimLog(settings.logRetention())) {
                    Thread.yield(); // let writers in between batches
                }
            } catch (RuntimeException e) {
                log.debug("shard {}: trimming the log failed: {}", id, e.toString());
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (PrimaryGroup g : groups.values()) {
                g.close();
            }
            groups.clear();
        }
        if (liveNodes != null) {
            liveNodes.close();
        }
        timer.shutdownNow();
        background.shutdownNow();
        follower.close();
        peers.close();
    }
}
