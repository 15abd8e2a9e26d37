package io.tessera.coordinator.leader;

import com.google.common.primitives.Longs;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tessera.coordinator.zk.ZkNodes;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinator leader election: a {@link LeaderLatch} on {@link ZkPaths#COORDINATOR_LATCH}. On
 * gaining the latch this coordinator bumps the coordinator epoch (the version of
 * {@link ZkPaths#COORDINATOR_EPOCH}), guarded by a check that its latch node still exists, then
 * publishes the ephemeral {@link ZkPaths#COORDINATOR_LEADER} and starts a term ({@link Fence}).
 *
 * <p>All term changes run on one leadership thread: Curator's event thread only flips a volatile
 * flag, so it is never blocked. A suspended connection does not end the term: the client must use
 * {@link org.apache.curator.framework.state.SessionConnectionStateErrorPolicy}, so the latch is
 * kept while the session may still be alive, and no other coordinator can be elected before the
 * session expires. Duties that write metadata fail meanwhile (ZooKeeper is away) and retry; the
 * timestamp oracle serves only within its own lease. A lost session ends the term.
 */
public final class Leadership implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Leadership.class);
    private static final long RETRY_DELAY_MS = 500;
    private static final long ZK_TIMEOUT_MS = 10_000;

    private final CuratorFramework client;
    private final String coordinatorId;
    private final LeadershipListener listener;
    private volatile LeaderLatch latch; // replaced when a standby removed our node
    private static final long LATCH_CHECK_MS = 1_000;
    private final ScheduledExecutorService thread;
    private final ConnectionStateListener connectionListener = this::connectionStateChanged;

    /** The current term, or null. Written on the leadership thread, cleared from any thread. */
    private volatile Fence current;
    /** Bumped on every leadership change so a stale election attempt does not install a term. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean closed;
    /** Published in the leader znode; set by {@link #start}. */
    private volatile String address;

    public Leadership(CuratorFramework client, String coordinatorId, LeadershipListener listener) {
        this.client = client;
        this.coordinatorId = coordinatorId;
        this.listener = listener;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coordinator-leadership-" + coordinatorId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Joins the election; {@code address} is where clients reach this coordinator's service. */
    public void start(String address) throws Exception {
        this.address = address;
        client.getConnectionStateListenable().addListener(connectionListener);
        joinElection();
        thread.scheduleWithFixedDelay(this::checkLatchNode, LATCH_CHECK_MS, LATCH_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    private void joinElection() throws Exception {
        LeaderLatch l = new LeaderLatch(client, ZkPaths.COORDINATOR_LATCH, coordinatorId);
        l.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                if (latch == l) {
                    long gen = generation.incrementAndGet();
                    run(() -> beginTerm(gen));
                }
            }

            @Override
            public void notLeader() {
                if (latch == l) {
                    generation.incrementAndGet();
                    endTerm("latch lost");
                }
            }
        }, thread);
        latch = l;
        l.start();
    }

    /**
     * A leader does not watch its own latch node; a standby removes it when our port refuses
     * connections ({@link DeadLeaderEviction}). If that happened to a live leader, it steps down
     * and queues again rather than act on leadership it no longer has.
     */
    private void checkLatchNode() {
        LeaderLatch l = latch;
        String ours = l.getOurPath();
        if (closed || current == null || ours == null) {
            return;
        }
        try {
            if (client.checkExists().forPath(ours) != null) {
                return;
            }
            generation.incrementAndGet();
            endTerm("its latch node was removed by a standby");
            joinElection();
            l.close();
        } catch (Exception e) {
            log.debug("Latch node check of coordinator {} failed: {}", coordinatorId, e.toString());
        }
    }

    /** The current term, if this coordinator leads. Never use a cached fence for long work. */
    public Optional<Fence> fence() {
        return Optional.ofNullable(current);
    }

    public boolean isLeader() {
        return current != null;
    }

    /** Waits until this coordinator leads with an established term. */
    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (current == null) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Reads the published leader (direct ZooKeeper read, not cached). */
    public Optional<CoordinatorInfo> readLeader() {
        try {
            byte[] data = client.getData().forPath(ZkPaths.COORDINATOR_LEADER);
            return Optional.of(CoordinatorInfo.parseFrom(data));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (InvalidProtocolBufferException e) {
            log.warn("Unreadable {}: {}", ZkPaths.COORDINATOR_LEADER, e.getMessage());
            return Optional.empty();
        } catch (Exception e) {
            log.debug("Cannot read {}: {}", ZkPaths.COORDINATOR_LEADER, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Called by a duty whose fenced write was refused although the latch may still be ours (an
     * epoch bump raced with us): ends the term and, if we still hold the latch, starts a new one.
     */
    public void termRejected(Fence fence) {
        if (current != fence) {
            return;
        }
        long gen = generation.incrementAndGet();
        endTerm("epoch " + fence.epoch() + " superseded");
        run(() -> beginTerm(gen));
    }

    private void connectionStateChanged(CuratorFramework c, ConnectionState state) {
        if (state == ConnectionState.SUSPENDED) {
            Fence f = current;
            if (f != null) {
                log.warn("Coordinator {} lost its ZooKeeper connection; its term (epoch {}) lasts while the"
                        + " session may be alive", coordinatorId, f.epoch());
            }
        } else if (state == ConnectionState.LOST) {
            // Runs on Curator's event thread: only flip state, the listener runs on our thread.
            generation.incrementAndGet();
            endTerm("ZooKeeper session " + state);
        } else if (state == ConnectionState.RECONNECTED && current == null && !closed) {
            // The latch normally re-announces leadership itself; this covers it keeping the latch
            // across the suspension, in which case we must still start a fresh term.
            long gen = generation.incrementAndGet();
            run(() -> beginTerm(gen));
        }
    }

    private void endTerm(String why) {
        Fence f = current;
        current = null;
        if (f == null) {
            return;
        }
        log.info("Coordinator {} ends its term (epoch {}): {}", coordinatorId, f.epoch(), why);
        run(() -> {
            listener.deposed(f);
            if (!closed) {
                retractLeaderNode(f);
            }
        });
    }

    private void beginTerm(long gen) {
        if (closed || gen != generation.get() || !latch.hasLeadership() || current != null) {
            return;
        }
        try {
            ZkNodes.sync(client, "/", ZK_TIMEOUT_MS);
            int epoch = bumpEpoch();
            Fence fence = new Fence(client, epoch);
            publishLeader(fence);
            listener.elected(fence);
            if (gen != generation.get() || !latch.hasLeadership()) {
                listener.deposed(fence);
                return;
            }
            current = fence;
            if (gen != generation.get()) {
                // Suspended or deposed between the check and the publication above: that
                // endTerm saw no term, so undo ours here.
                current = null;
                listener.deposed(fence);
                return;
            }
            log.info("Coordinator {} leads with epoch {} at {}", coordinatorId, epoch, address);
        } catch (Exception e) {
            if (closed || gen != generation.get()) {
                return;
            }
            log.warn("Coordinator {} could not start its term, retrying: {}", coordinatorId, e.toString());
            try {
                thread.schedule(() -> beginTerm(gen), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                // closed meanwhile
            }
        }
    }

    /**
     * Bumps the epoch by CAS, checking in the same multi-op that our latch node exists: our node is
     * ephemeral and latch nodes are sequential, so if it still exists no later participant can
     * have been elected before us, and a stale elect attempt cannot fence out the real leader.
     */
    private int bumpEpoch() throws Exception {
        ZkNodes.ensurePersistent(client, ZkPaths.COORDINATOR_EPOCH);
        String ourPath = latch.getOurPath();
        if (ourPath == null) {
            throw new NotLeaderException("latch node not yet created");
        }
        Stat stat = new Stat();
        client.getData().storingStatIn(stat).forPath(ZkPaths.COORDINATOR_EPOCH);
        int next = stat.getVersion() + 1;
        client.transaction().forOperations(
                client.transactionOp().check().forPath(ourPath),
                client.transactionOp().setData().withVersion(stat.getVersion())
                        .forPath(ZkPaths.COORDINATOR_EPOCH, Longs.toByteArray(next)));
        return next;
    }

    private void publishLeader(Fence fence) throws Exception {
        byte[] info = CoordinatorInfo.newBuilder()
                .setCoordinatorId(coordinatorId).setAddress(address).setEpoch(fence.epoch())
                .build().toByteArray();
        for (int attempt = 0; ; attempt++) {
            List<CuratorOp> ops = new ArrayList<>();
            // The previous leader's ephemeral may outlive its term while its session lingers.
            if (client.checkExists().forPath(ZkPaths.COORDINATOR_LEADER) != null) {
                ops.add(fence.op().delete().forPath(ZkPaths.COORDINATOR_LEADER));
            }
            ops.add(fence.op().create().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.COORDINATOR_LEADER, info));
            try {
                fence.commit(ops);
                return;
            } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException raced) {
                if (attempt >= 5) {
                    throw raced;
                }
            }
        }
    }

    /** Removes our leader znode at the end of a term, unless a successor already replaced it. */
    private void retractLeaderNode(Fence f) {
        try {
            Stat stat = new Stat();
            byte[] data = client.getData().storingStatIn(stat).forPath(ZkPaths.COORDINATOR_LEADER);
            CoordinatorInfo info = CoordinatorInfo.parseFrom(data);
            if (info.getCoordinatorId().equals(coordinatorId) && info.getEpoch() == f.epoch()) {
                client.delete().withVersion(stat.getVersion()).forPath(ZkPaths.COORDINATOR_LEADER);
            }
        } catch (Exception e) {
            // Best effort: the znode is ephemeral and the successor replaces it anyway.
            log.debug("Leader znode not retracted: {}", e.toString());
        }
    }

    private void run(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closing) {
            // the leadership thread is shut down: nothing left to do
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        generation.incrementAndGet();
        Fence f = current;
        current = null;
        client.getConnectionStateListenable().removeListener(connectionListener);
        try {
            latch.close();
        } catch (Exception e) {
            log.debug("Closing the leader latch: {}", e.toString());
        }
        if (f != null) {
            log.info("Coordinator {} closes, ending its term (epoch {})", coordinatorId, f.epoch());
            run(() -> {
                listener.deposed(f);
                retractLeaderNode(f);
            });
        }
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
