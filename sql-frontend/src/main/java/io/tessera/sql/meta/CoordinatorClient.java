package io.tessera.sql.meta;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.CreateIndexRequest;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.CreateViewRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.DropIndexRequest;
import io.tessera.protocol.proto.DropTableRequest;
import io.tessera.protocol.proto.DropViewRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.route.FailoverBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frontend's client of the leading coordinator: DDL and timestamps. It finds the leader in
 * {@link ZkPaths#COORDINATOR_LEADER}, keeps one channel to it, and on NOT_PRIMARY or an
 * unreachable coordinator re-reads the leader and retries with backoff, for at most the retry
 * budget (the default failover budget, 30 s: a standby takes over after the leader's ZooKeeper
 * session expires, a few seconds); then it throws a {@link TesseraException} with SQLState 08006.
 * Timestamp calls are also retried after DEADLINE_EXCEEDED (a stopped leader) and INTERNAL (a
 * new leader's oracle not ready yet): asking again for a timestamp is harmless.
 *
 * <p>DDL responses are returned as they come: an in-band error such as 42S01 is the caller's to
 * report. A DDL retried after its reply was lost may report its own effect (e.g. 42S01 for its
 * own CREATE TABLE).
 *
 * <p>{@link #nextTimestamp()} coalesces concurrent callers into one {@code GetTimestamps} call,
 * and every caller's timestamp comes from a call that began after the caller asked, so the
 * timestamps are linearizable: no prefetched timestamp is ever handed out. When no caller's own
 * call is in flight, a caller makes its call itself, on its own thread, instead of handing it to
 * the batching thread and waiting to be woken (two thread hand-offs less per statement, see
 * docs/benchmarks.md, "Profile: point select"); callers that arrive meanwhile are coalesced as
 * before. Either way a timestamp comes from a call that began after its caller asked.
 *
 * <p>The oracle's timestamps of one answer are {@code first + i * step}
 * ({@code TimestampResponse.step}; a coordinator that does not send it means 1): the values in
 * between belong to the shard primaries' one-phase commits, so coalesced callers get
 * {@code first}, {@code first + step}, ... and {@link #timestamps(int)} returns the whole
 * {@link TimestampRange}.
 *
 * <p>{@link #nextTimestampWithin(Duration)} is the same call with a short budget, for a caller that has
 * something else to do when the oracle is away (a multi-shard read takes its snapshot from the
 * shards, see {@code io.tessera.sql.exec.SnapshotClock}): it never blocks on ZooKeeper (a stopped
 * ZooKeeper would hold a leader lookup for its connection timeout), each attempt's deadline ends
 * with the budget, and a lookup of a moved leader runs in the background for the next caller.
 */
public final class CoordinatorClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorClient.class);

    private final CuratorFramework client;
    private final Duration retryBudget;
    private final Duration ddlDeadline;
    private final Duration timestampDeadline;
    private final LinkedBlockingQueue<CompletableFuture<Long>> waiting = new LinkedBlockingQueue<>();
    private final Thread batcher;
    /** Set while a caller makes its own GetTimestamps call (at most one at a time). */
    private final AtomicBoolean directCall = new AtomicBoolean();

    private final Object channelLock = new Object();
    // Written under channelLock; volatile so that a short-budget call reads it without the lock
    // (a caller re-reading the leader holds the lock while ZooKeeper answers, or does not).
    private volatile String leaderAddress;
    private volatile ManagedChannel channel;
    private volatile boolean closed;
    /** Set while a background lookup of the leader runs (one at a time). */
    private final AtomicBoolean lookingUp = new AtomicBoolean();

    /**
     * @param client started, in the cluster's namespace
     * @param retryBudget how long a call keeps looking for a leader before it fails (e.g. 10 s)
     * @param ddlDeadline deadline of one DDL call (index builds can take a while)
     * @param timestampDeadline deadline of one GetTimestamps call
     */
    public CoordinatorClient(CuratorFramework client, Duration retryBudget, Duration ddlDeadline,
            Duration timestampDeadline) {
        this.client = client;
        this.retryBudget = retryBudget;
        this.ddlDeadline = ddlDeadline;
        this.timestampDeadline = timestampDeadline;
        this.batcher = new Thread(this::batchTimestamps, "tessera-timestamps");
        batcher.setDaemon(true);
        batcher.start();
    }

    // ---------------------------------------------------------------------------------- timestamps

    /**
     * A fresh timestamp, greater than every timestamp handed out (to anyone) before this call
     * began.
     *
     * @throws TesseraException 08006 when no coordinator answers within the retry budget
     */
    public long nextTimestamp() {
        return nextTimestamp(retryBudget, true);
    }

    /**
     * As {@link #nextTimestamp()}, but gives up after about {@code budget} instead of the retry
     * budget, without waiting for ZooKeeper (see the class comment). A caller that gives up while
     * coalesced into a batch leaves its slot in it: that timestamp is then handed out to nobody.
     *
     * @throws TesseraException 08006 when no timestamp arrives within {@code budget}
     */
    public long nextTimestampWithin(Duration budget) {
        return nextTimestamp(budget, false);
    }

    /** {@code mayBlock} false: a coalesced caller, too, waits no longer than {@code budget}. */
    private long nextTimestamp(Duration budget, boolean mayBlock) {
        if (closed) {
            throw TesseraException.unavailable("coordinator client is closed", null);
        }
        if (directCall.compareAndSet(false, true)) {
            try {
                return getTimestamps(1, budget, mayBlock).first();
            } catch (TesseraException e) {
                throw e;
            } catch (RuntimeException e) {
                throw TesseraException.unavailable("cannot obtain a timestamp: " + e, e);
            } finally {
                directCall.set(false);
            }
        }
        CompletableFuture<Long> ts = new CompletableFuture<>();
        waiting.add(ts);
        try {
            return mayBlock ? ts.get() : ts.get(budget.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            ts.cancel(false); // the batch's answer for it is dropped
            throw TesseraException.unavailable("no timestamp within " + budget.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw TesseraException.unavailable("interrupted while waiting for a timestamp", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TesseraException t) {
                throw t;
            }
            throw TesseraException.unavailable("cannot obtain a timestamp: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Reserves {@code count} fresh timestamps with one call (first, first + step, ...: not
     * consecutive numbers, see the class comment).
     *
     * @throws TesseraException 08006 when no coordinator answers within the retry budget
     */
    public TimestampRange timestamps(int count) {
        return getTimestamps(count);
    }

    /**
     * One thread sends the batches: callers that arrive while a call is in flight wait for the
     * next call, which begins after they arrived. That is what makes the coalescing linearizable.
     */
    private void batchTimestamps() {
        List<CompletableFuture<Long>> batch = new ArrayList<>();
        while (!closed) {
            try {
                batch.add(waiting.take());
            } catch (InterruptedException e) {
                break;
            }
            waiting.drainTo(batch);
            try {
                TimestampRange range = getTimestamps(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).complete(range.get(i));
                }
            } catch (RuntimeException e) {
                batch.forEach(f -> f.completeExceptionally(e));
            }
            batch.clear();
        }
        List<CompletableFuture<Long>> left = new ArrayList<>();
        waiting.drainTo(left);
        left.forEach(f -> f.completeExceptionally(TesseraException.unavailable("coordinator client is closed", null)));
    }

    private TimestampRange getTimestamps(int count) {
        return getTimestamps(count, retryBudget, true);
    }

    private TimestampRange getTimestamps(int count, Duration budget, boolean mayBlock) {
        TimestampResponse r = call("GetTimestamps", timestampDeadline, true,
                stub -> stub.getTimestamps(TimestampRequest.newBuilder().setCount(count).build()),
                TimestampResponse::getError, budget, mayBlock);
        if (r.getError().getCode() != Error.Code.OK) {
            throw TesseraException.fromShard(r.getError(), "coordinator");
        }
        if (r.getCount() != 0 && r.getCount() < count) {
            throw TesseraException.unavailable("coordinator handed out " + r.getCount()
                    + " timestamps where " + count + " were asked for", null);
        }
        // step 0: a coordinator from before oracle steps, whose timestamps are consecutive.
        return new TimestampRange(r.getFirst(), count, r.getStep() > 0 ? r.getStep() : 1);
    }

    // ----------------------------------------------------------------------------------------- DDL

    public DdlResponse createTable(CreateTableRequest request) {
        return call("CreateTable", ddlDeadline, false, s -> s.createTable(request), DdlResponse::getError);
    }

    public DdlResponse dropTable(DropTableRequest request) {
        return call("DropTable", ddlDeadline, false, s -> s.dropTable(request), DdlResponse::getError);
    }

    public DdlResponse createIndex(CreateIndexRequest request) {
        return call("CreateIndex", ddlDeadline, false, s -> s.createIndex(request), DdlResponse::getError);
    }

    public DdlResponse dropIndex(DropIndexRequest request) {
        return call("DropIndex", ddlDeadline, false, s -> s.dropIndex(request), DdlResponse::getError);
    }

    public DdlResponse createView(CreateViewRequest request) {
        return call("CreateView", ddlDeadline, false, s -> s.createView(request), DdlResponse::getError);
    }

    public DdlResponse dropView(DropViewRequest request) {
        return call("DropView", ddlDeadline, false, s -> s.dropView(request), DdlResponse::getError);
    }

    // ------------------------------------------------------------------------------------- calling

    private <R> R call(String what, Duration deadline, boolean idempotent,
            Function<CoordinatorServiceGrpc.CoordinatorServiceBlockingStub, R> rpc, Function<R, Error> errorOf) {
        return call(what, deadline, idempotent, rpc, errorOf, retryBudget, true);
    }

    /**
     * Calls the leader, re-resolving and retrying on NOT_PRIMARY and on transport failures until
     * {@code budget} is spent. Unless {@code mayBlock}, the leader is re-read in the background
     * instead of on this thread, and no attempt's deadline passes the end of the budget.
     */
    private <R> R call(String what, Duration deadline, boolean idempotent,
            Function<CoordinatorServiceGrpc.CoordinatorServiceBlockingStub, R> rpc, Function<R, Error> errorOf,
            Duration budget, boolean mayBlock) {
        FailoverBudget.Attempts attempts = new FailoverBudget(budget).start();
        String lastProblem = "no coordinator has published itself as leader";
        for (int attempt = 0; ; attempt++) {
            if (closed) {
                throw TesseraException.unavailable("coordinator client is closed", null);
            }
            ManagedChannel ch = mayBlock ? leaderChannel(attempt > 0) : knownLeaderChannel(attempt > 0);
            if (ch != null) {
                long deadlineMs = mayBlock ? deadline.toMillis()
                        : Math.max(1, Math.min(deadline.toMillis(), attempts.remainingMillis()));
                try {
                    R response = rpc.apply(CoordinatorServiceGrpc.newBlockingStub(ch)
                            .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS));
                    Error error = errorOf.apply(response);
                    // A standby (or a leader that lost its term) says NOT_PRIMARY; a new leader
                    // whose timestamp oracle cannot reach ZooKeeper yet says INTERNAL.
                    boolean retry = error.getCode() == Error.Code.NOT_PRIMARY
                            || (idempotent && error.getCode() == Error.Code.INTERNAL);
                    if (!retry) {
                        return response;
                    }
                    lastProblem = error.getMessage();
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED
                            && code != Status.Code.CANCELLED) {
                        throw TesseraException.unavailable("coordinator " + what + " failed: " + e.getStatus(), e);
                    }
                    if (code == Status.Code.DEADLINE_EXCEEDED && !idempotent) {
                        // The statement may still be running: retrying could run it twice.
                        throw TesseraException.unavailable("coordinator " + what + " did not answer within "
                                + Duration.ofMillis(deadlineMs), e);
                    }
                    lastProblem = "coordinator unreachable: " + e.getStatus();
                }
            }
            log.debug("{} attempt {} failed ({}); retrying", what, attempt + 1, lastProblem);
            if (!attempts.backoff()) {
                throw TesseraException.unavailable("no coordinator leader answered " + what + " within "
                        + budget + ": " + lastProblem, null);
            }
        }
    }

    /** The channel to the published leader; re-reads ZooKeeper when asked or when there is none. */
    private ManagedChannel leaderChannel(boolean reresolve) {
        synchronized (channelLock) {
            if (channel != null && !reresolve) {
                return channel;
            }
            String address = readLeaderAddress();
            if (address == null) {
                return channel; // keep trying the last known one; a leader may still be electing
            }
            if (!address.equals(leaderAddress) || channel == null) {
                if (channel != null) {
                    channel.shutdown();
                }
                leaderAddress = address;
                channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
                log.debug("Coordinator leader is at {}", address);
            }
            return channel;
        }
    }

    /**
     * The channel to the leader as last looked up, without waiting for ZooKeeper: when asked to
     * re-resolve (or when none is known), a lookup starts in the background for later calls.
     */
    private ManagedChannel knownLeaderChannel(boolean reresolve) {
        ManagedChannel ch = channel;
        if ((ch == null || reresolve) && !closed && lookingUp.compareAndSet(false, true)) {
            Thread lookup = new Thread(() -> {
                try {
                    leaderChannel(true);
                } catch (RuntimeException e) {
                    log.debug("Background lookup of the coordinator leader failed: {}", e.toString());
                } finally {
                    lookingUp.set(false);
                }
            }, "tessera-coordinator-lookup");
            lookup.setDaemon(true);
            lookup.start();
        }
        return ch;
    }

    private String readLeaderAddress() {
        try {
            return CoordinatorInfo.parseFrom(client.getData().forPath(ZkPaths.COORDINATOR_LEADER)).getAddress();
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (Exception e) {
            log.debug("Cannot read the coordinator leader: {}", e.toString());
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        batcher.interrupt();
        synchronized (channelLock) {
            if (channel != null) {
                channel.shutdownNow();
                channel = null;
            }
        }
    }
}
