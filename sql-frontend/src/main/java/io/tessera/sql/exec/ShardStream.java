package io.tessera.sql.exec;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.RowBatch;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.route.FailoverBudget;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The rows of one shard for one scan: a server-streaming {@code Scan} call to the shard's
 * primary, with client-side flow control (at most {@code prefetchBatches} batches requested
 * ahead of the consumer). {@link #close()} cancels the call.
 *
 * <p>It follows the route through a failover ({@link FailoverBudget}): on STALE_EPOCH,
 * NOT_PRIMARY, NOT_SERVING, UNKNOWN_SHARD or an unreachable primary, and when the metadata shows
 * that the shard's primary changed or is no longer live while the call waits (checked every
 * {@link FailoverBudget#ROUTE_POLL}, so a stopped process that keeps its connections open does not
 * hang the statement), it cancels the call, refreshes the metadata and re-issues the scan on the
 * new route, with backoff, until the connection's failover budget is spent (counted from the
 * first failure since the last batch received); then it fails with 08006.
 *
 * <p>Mid-stream: a scan at a read timestamp resumes on the new primary by re-reading the same
 * snapshot and skipping the rows already returned (a shard returns rows in a deterministic order
 * for a given snapshot). A scan at {@code read_ts = 0} (the latest state, see
 * {@link StatementTimestamps}) has no snapshot to come back to: it is re-issued only if no row
 * was handed to the consumer yet, otherwise it fails with 08006 and the statement may be run
 * again. The scan's own deadline ({@code timeout}) is not retried.
 *
 * <p>A LOCKED answer (another transaction's lock on a key the scan covers, met before any row of
 * the call is streamed) is resolved as a reader and the scan re-issued; see {@link #locked}.
 *
 * <p>The snapshot each call read at (the request's {@code read_ts}, or for a read of the latest
 * state what the shard resolved it to, {@code RowBatch.read_ts}) goes to {@code snapshots}, so a
 * statement writing the rows it read can name it ({@link ReadSnapshots}).
 */
final class ShardStream implements AutoCloseable {
  private static final Object END = new Object();
  /** LOCKED answers one scan resolves before it gives up with 40001. */
  static final int MAX_LOCKS_MET = 10_000;

  private final ReadCluster cluster;
  private final String table;
  private final long tableId;
  private final long shardId;
  /** Changes when a lock is read past, or a read of the latest state moves to a timestamp. */
  private ScanRequest request;
  private final RowDecoder decoder;
  private final ScanOptions options;
  /** Told the snapshot of each call, at its first batch. */
  private final LongConsumer snapshots;

  private @Nullable Call call;
  private @Nullable List<ByteString> batch;
  private int position;
  private long delivered;
  /** Retries since the last batch received; null while the scan makes progress. */
  private FailoverBudget.@Nullable Attempts attempts;
  private boolean done;
  private String where = "";
  /** LOCKED answers handled so far (bounded, so a lock that keeps coming back fails). */
  private int locksMet;
  /** The primary the current call went to. */
  private String primary = "";

  ShardStream(ReadCluster cluster, String table, long tableId, long shardId, ScanRequest request,
      RowDecoder decoder, ScanOptions options, LongConsumer snapshots) {
    this.cluster = cluster;
    this.snapshots = snapshots;
    this.table = table;
    this.tableId = tableId;
    this.shardId = shardId;
    this.request = request;
    this.decoder = decoder;
    this.options = options;
  }

  /** Starts the call (asynchronously); rows arrive while other shards are being started. */
  void start() {
    call = open(0);
  }

  /** The next row, or null after the last one. */
  @Nullable Object[] next() {
    while (true) {
      if (done) {
        return null;
      }
      if (batch != null && position < batch.size()) {
        delivered++;
        return decoder.decode(batch.get(position++).toByteArray());
      }
      batch = null;
      Call c = call == null ? (call = open(0)) : call;
      Object event = c.take(options.timeout().toMillis(), this::routeMoved);
      if (event == END) {
        done = true;
        continue;
      }
      if (event instanceof RouteMoved) {
        retry(((RouteMoved) event).reason(), null);
        continue;
      }
      if (event instanceof RowBatch) {
        RowBatch b = (RowBatch) event;
        if (b.hasError() && !ShardErrors.isOk(b.getError())) {
          handle(b.getError());
          continue;
        }
        attempts = null;
        c.snapshotRead(b);
        c.requestMore();
        batch = b.getRowsList();
        position = 0;
        continue;
      }
      handle((Throwable) event);
    }
  }

  /**
   * Why the current call should be abandoned although it has not failed: the metadata names
   * another primary for the shard, or the primary is no longer live; null otherwise.
   */
  private @Nullable String routeMoved() {
    if (!cluster.isLive(primary)) {
      return "node " + primary + " is no longer live";
    }
    for (ShardState s : cluster.shards(tableId)) {
      if (s.getShardId() == shardId) {
        return s.getPrimary().equals(primary) ? null
            : "the primary moved from " + primary + " to " + s.getPrimary() + " (epoch "
                + s.getEpoch() + ")";
      }
    }
    return null;
  }

  private void handle(Error error) {
    if (error.getCode() == Error.Code.LOCKED && error.hasLock() && locksMet < MAX_LOCKS_MET) {
      locked(error.getLock());
      return;
    }
    if (FailoverBudget.retryable(error)) {
      retry("shard answered " + error.getCode() + ": " + error.getMessage(), null);
      return;
    }
    close();
    throw TesseraException.fromShard(error, describe());
  }

  private void handle(Throwable t) {
    Status status = Status.fromThrowable(t);
    switch (status.getCode()) {
      case UNAVAILABLE:
        retry("node unreachable: " + status, t);
        return;
      case DEADLINE_EXCEEDED:
        close();
        throw new TesseraException(SqlStates.CONNECTION_FAILURE,
            "Scan timed out after " + options.timeout().toMillis() + " ms (" + describe() + ")",
            t);
      default:
        close();
        if (t instanceof TesseraException) {
          throw (TesseraException) t;
        }
        throw new TesseraException(
            status.getCode() == Status.Code.CANCELLED ? "57014" : SqlStates.CONNECTION_FAILURE,
            "Scan failed: " + status + " (" + describe() + ")", t);
    }
  }

  /**
   * The shard answered LOCKED (before streaming any row of this call): a read of the latest state
   * moves to a snapshot timestamp ({@link ReadCluster#snapshotTimestamp()}); a read at a timestamp has the lock resolved
   * ({@link ReadLocks}) and reads past it if its transaction is alive. Then the scan is re-issued.
   */
  private void locked(Lock lock) {
    locksMet++;
    if (call != null) {
      call.cancel();
    }
    call = null;
    batch = null;
    long readTs = request.getReadTs();
    try {
      if (readTs == StatementTimestamps.LATEST) {
        // an autocommit read: a shard timestamp serves while the oracle is away (SnapshotClock)
        long ts = cluster.snapshotTimestamp().ts();
        request = request.toBuilder().setReadTs(ts).setReadTsRangeEnd(cluster.rangeEnd(ts)).build();
      } else if (options.locks().resolve(lock, shardId, readTs)) {
        request = request.toBuilder().setTxn(request.getTxn().toBuilder()
            .addBypassLocks(lock.getStartTs())).build();
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    call = open(delivered);
  }

  /**
   * Refreshes the routes and re-issues the scan after a backoff, or fails with 08006 when the
   * failover budget is spent or the scan cannot resume (see the class comment).
   */
  private void retry(String reason, @Nullable Throwable cause) {
    if (call != null) {
      call.cancel();
    }
    call = null;
    batch = null;
    if (request.getReadTs() == 0 && delivered > 0) {
      done = true;
      throw new TesseraException(SqlStates.CONNECTION_FAILURE, "Scan interrupted after "
          + delivered + " rows: " + reason + "; a scan of the latest state cannot resume on"
          + " another replica, run the statement again (" + describe() + ")", cause);
    }
    if (attempts == null) {
      attempts = options.failover().start();
    }
    if (!attempts.backoff()) {
      done = true;
      throw attempts.exhausted("Scan of " + describe(), reason, cause);
    }
    try {
      cluster.refresh();
    } catch (TesseraException e) {
      // ZooKeeper is unreachable for now: go on with the cached routes.
    }
    call = open(delivered);
  }

  /** Issues the scan to the current primary; its first {@code skip} rows are dropped. */
  private Call open(long skip) {
    ShardState state = null;
    for (ShardState s : cluster.shards(tableId)) {
      if (s.getShardId() == shardId) {
        state = s;
      }
    }
    if (state == null) {
      done = true;
      throw new TesseraException(SqlStates.CONNECTION_FAILURE, "Shard " + shardId + " of table "
          + table + " no longer exists (split or dropped); retry the statement");
    }
    primary = state.getPrimary();
    where = "table " + table + ", shard " + shardId + " (ordinal " + state.getOrdinal()
        + "), node " + state.getPrimary() + " at " + cluster.describeNode(state.getPrimary());
    ScanRequest r = request.toBuilder()
        .setShard(ShardRef.newBuilder().setShardId(shardId).setEpoch(state.getEpoch()))
        .build();
    Channel channel = cluster.channel(state.getPrimary());
    Call c = new Call(skip);
    if (channel == null) {
      c.fail(Status.UNAVAILABLE.withDescription("node " + state.getPrimary() + " is not live")
          .asRuntimeException());
      return c;
    }
    ClientCall<ScanRequest, RowBatch> clientCall = channel.newCall(
        ShardServiceGrpc.getScanMethod(),
        CallOptions.DEFAULT.withDeadlineAfter(options.timeout().toMillis(),
            TimeUnit.MILLISECONDS));
    ClientCalls.asyncServerStreamingCall(clientCall, r, c);
    return c;
  }

  String describe() {
    return where.isEmpty() ? "table " + table + ", shard " + shardId : where;
  }

  @Override public void close() {
    done = true;
    if (call != null) {
      call.cancel();
      call = null;
    }
  }

  /** The route changed under a waiting call. */
  private record RouteMoved(String reason) {}

  /**
   * One attempt: receives batches into a queue, requesting more only as the consumer takes them.
   * Drops the first {@code skip} rows (already returned by an earlier attempt).
   */
  private final class Call implements ClientResponseObserver<ScanRequest, RowBatch> {
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private volatile @Nullable ClientCallStreamObserver<ScanRequest> requests;
    private long skip;
    private volatile boolean cancelled;
    private boolean snapshotReported;

    Call(long skip) {
      this.skip = skip;
    }

    @Override public void beforeStart(ClientCallStreamObserver<ScanRequest> requestStream) {
      this.requests = requestStream;
      requestStream.disableAutoRequestWithInitial(options.prefetchBatches());
    }

    @Override public void onNext(RowBatch batch) {
      if (skip > 0 && batch.getRowsCount() > 0) {
        int drop = (int) Math.min(skip, batch.getRowsCount());
        skip -= drop;
        batch = batch.toBuilder().clearRows()
            .addAllRows(batch.getRowsList().subList(drop, batch.getRowsCount())).build();
      }
      events.add(batch);
    }

    @Override public void onError(Throwable t) {
      events.add(t);
    }

    @Override public void onCompleted() {
      events.add(END);
    }

    void fail(Throwable t) {
      events.add(t);
    }

    /**
     * Reports this call's snapshot at its first batch: the one the shard says it read (it
     * resolves {@code read_ts = 0}), else the one the request named (a node that does not report
     * it read exactly there); a read of the latest state on such a node has none to report.
     */
    void snapshotRead(RowBatch first) {
      if (snapshotReported) {
        return;
      }
      snapshotReported = true;
      long readTs = first.getReadTs() > 0 ? first.getReadTs() : request.getReadTs();
      if (readTs > 0) {
        snapshots.accept(readTs);
      }
    }

    void requestMore() {
      ClientCallStreamObserver<ScanRequest> r = requests;
      if (r != null && !cancelled) {
        r.request(1);
      }
    }

    /**
     * The next event; a {@link RouteMoved} when {@code moved} reports a reason while waiting
     * (asked every {@link FailoverBudget#ROUTE_POLL}); DEADLINE_EXCEEDED after
     * {@code timeoutMillis}.
     */
    Object take(long timeoutMillis, Supplier<@Nullable String> moved) {
      long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      try {
        while (true) {
          long left = giveUp - System.nanoTime();
          Object e = events.poll(Math.max(0, Math.min(left, FailoverBudget.ROUTE_POLL.toNanos())),
              TimeUnit.NANOSECONDS);
          if (e != null) {
            return e;
          }
          if (giveUp - System.nanoTime() <= 0) {
            return new StatusRuntimeException(Status.DEADLINE_EXCEEDED);
          }
          String reason = moved.get();
          if (reason != null) {
            return new RouteMoved(reason);
          }
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        cancel();
        throw new TesseraException("57014", "Interrupted while reading " + describe(), ex);
      }
    }

    void cancel() {
      cancelled = true;
      ClientCallStreamObserver<ScanRequest> r = requests;
      if (r != null) {
        r.cancel("scan closed by the frontend", null);
      }
    }
  }
}
