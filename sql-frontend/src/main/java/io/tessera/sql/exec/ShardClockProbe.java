package io.tessera.sql.exec;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Channel;
import io.grpc.Status;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.route.FailoverBudget;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest committed timestamp over every shard primary of the cluster: a statement's snapshot
 * while the timestamp oracle does not answer ({@link SnapshotClock}).
 *
 * <p>Each primary gets a {@code Get} with no keys at {@code read_ts = 0}, all in parallel: the
 * node resolves 0 to its newest committed timestamp (after a new primary has committed the
 * entries it inherited, and after the entries at or below it are acknowledged) and answers it in
 * {@code GetResponse.read_ts}; with no keys it reads nothing else. Every shard of every table is
 * asked, not only those the statement reads: the commit point of a two-phase transaction is
 * recorded on its primary key's shard alone, which may belong to another table; a snapshot below
 * it would read past its secondary locks on the statement's shards.
 *
 * <p>A shard that answers a retryable error (NOT_PRIMARY, NOT_SERVING, ...) or cannot be reached
 * is asked again, on the route the metadata shows then, until the budget is spent; then the probe
 * fails with 08006, as a read of that shard would. A shard that left the metadata meanwhile
 * (dropped table) is not waited for.
 *
 * <p>Concurrent callers share probes, as {@link ClusterReads#refresh()} shares metadata reads: a
 * caller gets the outcome of a probe that began after it asked, so the answer includes every
 * commit acknowledged before it asked.
 */
final class ShardClockProbe {
  private static final Logger LOG = LoggerFactory.getLogger(ShardClockProbe.class);

  private final Supplier<Collection<ShardState>> shards;
  private final Function<String, @Nullable Channel> channels;
  private final Duration budget;
  /** Learns the range each answer's timestamp lies in: reads at the probe's maximum pass it on. */
  private final IssuedRanges ranges;
  private final AtomicLong asked = new AtomicLong();
  private final Object probeLock = new Object();
  // Guarded by probeLock: the outcome of the last probe, which serves every caller up to servedUpTo.
  private long servedUpTo;
  private long lastTs;
  private @Nullable TesseraException lastFailure;

  /**
   * @param shards every shard of every table, as the metadata knows them now
   * @param channels the channel to a live node, or null when the node is not live
   * @param budget how long one probe keeps asking a shard that did not answer
   */
  ShardClockProbe(Supplier<Collection<ShardState>> shards,
      Function<String, @Nullable Channel> channels, Duration budget, IssuedRanges ranges) {
    this.shards = shards;
    this.channels = channels;
    this.budget = budget;
    this.ranges = ranges;
  }

  /**
   * The largest timestamp the shard primaries report, from a probe that began after this call.
   *
   * @throws TesseraException 08006 when a primary does not answer within the budget
   */
  long latest() {
    long ticket = asked.incrementAndGet();
    synchronized (probeLock) {
      if (servedUpTo < ticket) {
        long upTo = asked.get(); // every caller counted so far asked before this probe begins
        try {
          lastTs = probe();
          lastFailure = null;
        } catch (TesseraException e) {
          lastFailure = e;
        }
        servedUpTo = upTo;
      }
      if (lastFailure != null) {
        throw new TesseraException(lastFailure.sqlState(), lastFailure.getMessage(), lastFailure);
      }
      return lastTs;
    }
  }

  /** One probe: asks every shard, again those that failed, until all answered or time is up. */
  private long probe() {
    FailoverBudget.Attempts attempts = new FailoverBudget(budget).start();
    Map<Long, String> problems = new HashMap<>();
    long max = 0;
    boolean first = true;
    while (true) {
      Map<Long, ShardState> asking = new HashMap<>();
      for (ShardState s : shards.get()) {
        if (first || problems.containsKey(s.getShardId())) {
          asking.put(s.getShardId(), s);
        }
      }
      first = false;
      problems.clear();
      Map<Long, ListenableFuture<GetResponse>> calls = new HashMap<>();
      long deadlineMs = Math.max(1, attempts.remainingMillis());
      for (ShardState s : asking.values()) {
        Channel channel = s.getPrimary().isEmpty() ? null : channels.apply(s.getPrimary());
        if (channel == null) {
          problems.put(s.getShardId(), "its primary " + s.getPrimary() + " is not live");
          continue;
        }
        GetRequest request = GetRequest.newBuilder()
            .setShard(ShardRef.newBuilder().setShardId(s.getShardId()).setEpoch(s.getEpoch()))
            .setReadTs(StatementTimestamps.LATEST)
            .build();
        calls.put(s.getShardId(), ShardServiceGrpc.newFutureStub(channel)
            .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).get(request));
      }
      for (Map.Entry<Long, ListenableFuture<GetResponse>> call : calls.entrySet()) {
        long shardId = call.getKey();
        String where = "shard " + shardId + " of table " + asking.get(shardId).getTableId()
            + " on node " + asking.get(shardId).getPrimary();
        try {
          // The call's own deadline ends it; the extra second only guards against a lost callback.
          GetResponse r = call.getValue().get(deadlineMs + 1000, TimeUnit.MILLISECONDS);
          if (r.hasError() && !ShardErrors.isOk(r.getError())) {
            if (!FailoverBudget.retryable(r.getError())) {
              throw TesseraException.fromShard(r.getError(), where);
            }
            problems.put(shardId, where + " answered " + r.getError().getCode() + ": "
                + r.getError().getMessage());
          } else {
            max = Math.max(max, r.getReadTs());
            ranges.learn(r.getReadTs(), r.getReadTsRangeEnd());
          }
        } catch (ExecutionException e) {
          Status status = Status.fromThrowable(e.getCause());
          if (!FailoverBudget.retryable(status.getCode())) {
            throw new TesseraException(SqlStates.CONNECTION_FAILURE,
                "Asking " + where + " for its latest timestamp failed: " + status, e.getCause());
          }
          problems.put(shardId, where + " unreachable: " + status);
        } catch (TimeoutException e) {
          call.getValue().cancel(true);
          problems.put(shardId, where + " did not answer within " + deadlineMs + " ms");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          calls.values().forEach(f -> f.cancel(true));
          throw new TesseraException("57014", "Interrupted while asking the shards for a timestamp",
              e);
        }
      }
      if (problems.isEmpty()) {
        return max;
      }
      LOG.debug("Shard timestamp probe: {} shard(s) to ask again: {}", problems.size(),
          problems.values());
      if (!attempts.backoff()) {
        throw attempts.exhausted("Asking every shard primary for its latest timestamp",
            problems.values().iterator().next(), null);
      }
    }
  }
}
