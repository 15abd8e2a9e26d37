package io.tessera.coordinator.tso;

import com.google.common.primitives.Longs;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.zk.ZkNodes;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.time.Timestamps;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timestamp oracle of the leading coordinator. A timestamp is hybrid: wall-clock milliseconds
 * shifted left by {@link Timestamps#PHYSICAL_SHIFT}, plus a logical part, and the oracle hands out
 * only multiples of {@link Timestamps#ORACLE_STEP}: {@code ts = max(last + step, ceil(now << 18))};
 * timestamps are strictly increasing even if the clock stalls or steps back. The values between two
 * oracle timestamps (the slot of the lower one) belong to shard primaries, which commit one-phase
 * writes in them without asking the oracle; every oracle timestamp handed out later is above the
 * whole slot.
 *
 * <p>Before handing out any timestamp at or above the persisted limit ({@link ZkPaths#TSO_LIMIT},
 * 8-byte big-endian), the oracle raises the limit one window ahead, by a fenced CAS. A new leader
 * starts above the persisted limit, so timestamps never go backwards across leader changes or
 * restarts, whatever the clocks of the coordinators say: the new leader's first timestamp is the next
 * multiple of the step above the limit, so it is above the slot of everything handed out before too. The limit is raised once less than half a
 * window is left, so there is always room below it.
 *
 * <p><b>Lease.</b> The oracle serves only while it holds a lease proven by ZooKeeper: a read of the
 * coordinator epoch that started at {@code t} and found this term current shows that the session
 * was alive after {@code t}, so ZooKeeper cannot expire it, and no other coordinator can be
 * elected, before {@code t + session timeout}. The oracle serves until {@code t + }
 * {@value #LEASE_PERCENT}{@code % of the session timeout} and renews every quarter of the timeout.
 * So a ZooKeeper outage (or a partition from it) shorter than the lease does not stop timestamps:
 * while ZooKeeper cannot be written, the oracle serves {@code last + step} below the persisted limit,
 * falling behind the clock but never below anything handed out. A longer outage stops it until the
 * session is back (same term) or a new term begins.
 */
public final class TimestampOracle {
    private static final Logger log = LoggerFactory.getLogger(TimestampOracle.class);
    /** Upper bound of one request, so a single caller cannot exhaust the window. */
    public static final int MAX_BATCH = 1 << 16;
    private static final long ZK_TIMEOUT_MS = 10_000;
    static final int LEASE_PERCENT = 75;

    private final CuratorFramework client;
    private final LongSupplier clockMillis;
    private final long windowTicks;
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tso-lease");
        t.setDaemon(true);
        return t;
    });

    // Guarded by this.
    private Fence fence;
    private long last;
    private long limit;
    private int limitVersion;
    private long leaseUntilNanos;
    private ScheduledFuture<?> renewal;
    private boolean raising; // a background raise of the limit is under way
    private long termSession; // the ZooKeeper session the term was won with: only its contacts prove the lease

    /**
     * @param clockMillis wall clock in milliseconds ({@code System::currentTimeMillis} outside tests)
     * @param window how far ahead of the clock each persisted limit reaches; larger windows mean
     *     fewer ZooKeeper writes and a larger jump of the clock component after a failover
     */
    public TimestampOracle(CuratorFramework client, LongSupplier clockMillis, Duration window) {
        this.client = client;
        this.clockMillis = clockMillis;
        this.windowTicks = Timestamps.ofMillis(window.toMillis());
    }

    /** Starts serving for a new term: everything below the persisted limit may have been used. */
    public synchronized void recover(Fence term) throws Exception {
        fence = null;
        long contact = System.nanoTime();
        ZkNodes.ensurePersistent(client, "/tso");
        ZkNodes.sync(client, ZkPaths.TSO_LIMIT, ZK_TIMEOUT_MS);
        if (client.checkExists().forPath(ZkPaths.TSO_LIMIT) == null) {
            try {
                term.commit(term.op().create().forPath(ZkPaths.TSO_LIMIT, Longs.toByteArray(0L)));
            } catch (KeeperException.NodeExistsException raced) {
                // a predecessor created it: read it below
            }
        }
        Stat stat = new Stat();
        byte[] data = client.getData().storingStatIn(stat).forPath(ZkPaths.TSO_LIMIT);
        limit = Longs.fromByteArray(data);
        limitVersion = stat.getVersion();
        last = Math.max(last, limit);
        fence = term;
        termSession = sessionId();
        leaseUntilNanos = contact + leaseNanos();
        if (renewal == null) {
            long period = Math.max(50, sessionTimeoutMs() / 4);
            renewal = renewer.scheduleWithFixedDelay(this::renewLease, period, period, TimeUnit.MILLISECONDS);
        }
        log.info("Timestamp oracle recovered at limit {} (epoch {})", limit, term.epoch());
    }

    /** Stops serving; timestamps resume only after the next {@link #recover}. */
    public synchronized void stop() {
        fence = null;
        if (renewal != null) {
            renewal.cancel(false);
            renewal = null;
        }
    }

    /** Stops serving for good and ends the lease renewal thread. */
    public void close() {
        stop();
        renewer.shutdownNow();
    }

    /** The session timeout ZooKeeper granted, which may be shorter than the one asked for. */
    private long sessionTimeoutMs() {
        try {
            int negotiated = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (negotiated > 0) {
                return negotiated;
            }
        } catch (Exception e) {
            log.debug("Negotiated session timeout unknown: {}", e.toString());
        }
        return client.getZookeeperClient().getConnectionTimeoutMs();
    }

    private long sessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Extends the lease from a ZooKeeper contact started at {@code contact}, if made in the term's session. */
    private void extendLease(long contact) {
        if (sessionId() == termSession) {
            leaseUntilNanos = Math.max(leaseUntilNanos, contact + leaseNanos());
        }
    }

    private long leaseNanos() {
        return TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs() * LEASE_PERCENT / 100);
    }

    /** Proves the session alive and the term current; ends the term if another one began. */
    private void renewLease() {
        Fence f;
        synchronized (this) {
            f = fence;
        }
        if (f == null) {
            return;
        }
        long contact = System.nanoTime();
        try {
            Stat stat = client.checkExists().forPath(ZkPaths.COORDINATOR_EPOCH);
            synchronized (this) {
                if (fence != f) {
                    return;
                }
                if (stat == null || stat.getVersion() != f.epoch()) {
                    fence = null;
                    log.warn("Timestamp oracle stops: coordinator epoch {} was superseded", f.epoch());
                    return;
                }
                if (sessionId() != termSession) {
                    // A new session does not hold the latch the term was won with.
                    fence = null;
                    log.warn("Timestamp oracle stops: the ZooKeeper session of epoch {} ended", f.epoch());
                    return;
                }
                extendLease(contact);
            }
        } catch (Exception e) {
            log.debug("Timestamp oracle lease not renewed (epoch {}): {}", f.epoch(), e.toString());
        }
    }

    /**
     * Reserves {@code count} timestamps {@code first, first + step, ..., first + (count - 1) * step}
     * (step = {@link Timestamps#ORACLE_STEP}) and returns the first.
     *
     * @throws NotLeaderException when this oracle does not serve (no term, or the term was fenced)
     */
    public synchronized long next(int count) throws NotLeaderException, KeeperException, InterruptedException {
        if (count < 1 || count > MAX_BATCH) {
            throw new IllegalArgumentException("timestamp count must be in 1.." + MAX_BATCH + ": " + count);
        }
        if (fence == null) {
            throw new NotLeaderException("the timestamp oracle is not serving");
        }
        if (System.nanoTime() - leaseUntilNanos >= 0) {
            throw new OracleSuspendedException("the timestamp oracle's lease expired (epoch " + fence.epoch()
                    + "): ZooKeeper has not confirmed the session for " + LEASE_PERCENT + "% of its timeout");
        }
        long physical = Timestamps.ofMillis(clockMillis.getAsLong());
        long span = (count - 1) * Timestamps.ORACLE_STEP; // from the first to the last timestamp handed out
        long next = Timestamps.oracleCeiling(last + 1);    // the next one, whatever the clock says
        long first = Math.max(next, Timestamps.oracleCeiling(physical));
        long end = first + span + 1; // exclusive
        if (end > limit && next + span < limit) {
            // Room is left below the limit: never make a caller wait on ZooKeeper (which may be
            // gone without the client knowing yet); fall behind the clock until the raise is done.
            first = next;
            end = first + span + 1;
        } else if (end > limit) {
            boolean raised = client.getZookeeperClient().isConnected()
                    && raiseLimit(Math.max(end, physical + windowTicks));
            if (!raised) {
                throw new OracleSuspendedException("the timestamp oracle reached its persisted limit while"
                        + " ZooKeeper is unreachable (epoch " + fence.epoch() + ")");
            }
        }
        // The clock counts too: after an idle spell it may have passed the limit while `last` is
        // far below it, and the oracle would stay behind wall time (AS OF maps wall time to it).
        if (limit - Math.max(end, physical) < windowTicks / 2 && !raising) {
            raising = true;
            Fence f = fence;
            int version = limitVersion;
            long target = Math.max(end, physical) + windowTicks;
            renewer.execute(() -> raiseInBackground(f, version, target));
        }
        last = end - 1;
        return first;
    }

    /** Raises the limit from version {@code version} to {@code target}, outside the oracle's lock. */
    private void raiseInBackground(Fence f, int version, long target) {
        long contact = System.nanoTime();
        try {
            var results = f.commit(setLimitOp(f, version, target));
            int stored = results.get(results.size() - 1).getResultStat().getVersion();
            synchronized (this) {
                if (fence == f && limitVersion == version) {
                    limit = target;
                    limitVersion = stored;
                    extendLease(contact);
                }
            }
        } catch (NotLeaderException e) {
            synchronized (this) {
                if (fence == f) {
                    fence = null;
                    log.warn("Timestamp oracle stops: epoch {} was superseded", f.epoch());
                }
            }
        } catch (Exception e) {
            log.debug("Timestamp oracle limit not raised early (epoch {}): {}", f.epoch(), e.toString());
        } finally {
            synchronized (this) {
                raising = false;
            }
        }
    }

    /** Persists a higher limit; false (logged) when ZooKeeper could not be written. */
    private boolean raiseLimit(long newLimit) throws NotLeaderException, InterruptedException {
        long contact = System.nanoTime();
        try {
            persistLimit(newLimit);
            extendLease(contact);
            return true;
        } catch (KeeperException e) {
            log.debug("Timestamp oracle limit not raised (epoch {}): {}", fence.epoch(), e.toString());
            return false;
        }
    }

    private void persistLimit(long newLimit) throws NotLeaderException, KeeperException, InterruptedException {
        Fence f = fence;
        for (int attempt = 0; ; attempt++) {
            try {
                var results = f.commit(setLimitOp(f, limitVersion, newLimit));
                CuratorTransactionResult r = results.get(results.size() - 1);
                limitVersion = r.getResultStat().getVersion();
                limit = newLimit;
                return;
            } catch (NotLeaderException e) {
                fence = null; // a newer leader owns the limit: never hand out another timestamp
                log.warn("Timestamp oracle stops: epoch {} was superseded", f.epoch());
                throw e;
            } catch (KeeperException.BadVersionException e) {
                // The epoch check passed, so only we write the limit: an earlier write of ours
                // applied although its reply was lost. Adopt what is stored and try again.
                if (attempt >= 2) {
                    throw e;
                }
                Stat stat = new Stat();
                try {
                    limit = Longs.fromByteArray(client.getData().storingStatIn(stat).forPath(ZkPaths.TSO_LIMIT));
                } catch (KeeperException | InterruptedException ex) {
                    throw ex;
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
                limitVersion = stat.getVersion();
            }
        }
    }

    private static CuratorOp setLimitOp(Fence f, int version, long newLimit) {
        try {
            return f.op().setData().withVersion(version).forPath(ZkPaths.TSO_LIMIT, Longs.toByteArray(newLimit));
        } catch (Exception e) {
            // Building an operation does no I/O; Curator merely declares Exception.
            throw new IllegalStateException(e);
        }
    }

    /** The persisted limit as this oracle knows it; for tests and status. */
    public synchronized long limit() {
        return limit;
    }
}
