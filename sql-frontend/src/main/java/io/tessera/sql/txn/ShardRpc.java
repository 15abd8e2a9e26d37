package io.tessera.sql.txn;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.exec.ReadCluster;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.route.FailoverBudget;
import io.tessera.sql.route.RouteWatch;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One unary transaction RPC (CommitTxn, RollbackTxn, CheckTxnStatus) to the primary of a shard
 * named by its id, following the shard's route through a failover like writes do: retryable
 * answers (STALE_EPOCH, NOT_PRIMARY, NOT_SERVING, ...), UNAVAILABLE/DEADLINE_EXCEEDED, and calls
 * waiting on a primary the metadata no longer names are resent on the refreshed route until the
 * connection's {@link FailoverBudget} is spent (then 08006). These calls are idempotent on the
 * nodes, so resending them is safe.
 */
public final class ShardRpc {
  /** Deadline of one attempt. */
  static final long DEADLINE_SECONDS = 30;
  private static final Logger LOG = LoggerFactory.getLogger(ShardRpc.class);

  private final ClusterClient client;
  private final ReadCluster reads;
  private final FailoverBudget failover;

  public ShardRpc(ClusterClient client, ReadCluster reads, FailoverBudget failover) {
    this.client = client;
    this.reads = reads;
    this.failover = failover;
  }

  /**
   * Sends a request built by {@code send} (given the stub and the shard's current route) until it
   * gets an answer whose error is not retryable, and returns that answer.
   */
  <R> R call(long shardId, String what,
      BiFunction<ShardServiceGrpc.ShardServiceFutureStub, ShardRef, ListenableFuture<R>> send,
      Function<R, Error> errorOf) {
    FailoverBudget.Attempts attempts = null;
    String problem;
    Throwable cause = null;
    while (true) {
      ShardState shard = shard(shardId);
      String primary = shard == null ? "" : shard.getPrimary();
      Channel channel = primary.isEmpty() ? null : reads.channel(primary);
      if (shard == null) {
        problem = "shard " + shardId + " is not in the metadata";
      } else if (channel == null) {
        problem = "the primary " + (primary.isEmpty() ? "(none)" : primary) + " of shard "
            + shardId + " is not live";
      } else {
        ShardRef ref = ShardRef.newBuilder().setShardId(shardId).setEpoch(shard.getEpoch())
            .build();
        ListenableFuture<R> future = send.apply(ShardServiceGrpc.newFutureStub(channel)
            .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS), ref);
        Object outcome = RouteWatch.await(future, () -> routeMoved(shard, what), what);
        if (outcome instanceof RouteWatch.Abandoned) {
          problem = ((RouteWatch.Abandoned) outcome).reason();
          cause = null;
        } else if (outcome instanceof StatusRuntimeException) {
          StatusRuntimeException e = (StatusRuntimeException) outcome;
          if (!FailoverBudget.retryable(e.getStatus().getCode())) {
            throw TesseraException.unavailable(what + " on shard " + shardId + " failed: "
                + e.getMessage(), e);
          }
          problem = what + " on shard " + shardId + " failed: " + e.getStatus();
          cause = e;
        } else if (outcome instanceof Throwable) {
          Throwable t = (Throwable) outcome;
          throw TesseraException.unavailable(what + " on shard " + shardId + " failed: "
              + t.getMessage(), t);
        } else {
          @SuppressWarnings("unchecked")
          R response = (R) outcome;
          Error error = errorOf.apply(response);
          if (!FailoverBudget.retryable(error)) {
            return response;
          }
          problem = "shard " + shardId + " answered " + error.getCode() + ": "
              + error.getMessage();
          cause = null;
        }
      }
      if (attempts == null) {
        attempts = failover.start();
      }
      if (!attempts.backoff()) {
        throw attempts.exhausted(what, problem, cause);
      }
      try {
        reads.refresh();
      } catch (TesseraException e) {
        LOG.debug("Cannot refresh the metadata before resending {}: {}", what, e.getMessage());
      }
    }
  }

  /** The shard with id {@code shardId} as the metadata knows it now, or null. */
  @Nullable ShardState shard(long shardId) {
    return shard(client, shardId);
  }

  /** The shard with id {@code shardId} as {@code client}'s metadata knows it now, or null. */
  static @Nullable ShardState shard(ClusterClient client, long shardId) {
    for (List<ShardState> shards : client.metadata().snapshot().shards().values()) {
      for (ShardState s : shards) {
        if (s.getShardId() == shardId) {
          return s;
        }
      }
    }
    return null;
  }

  /** The table with id {@code tableId} as the metadata knows it now, or null. */
  @Nullable TableSchema table(long tableId) {
    return client.metadata().tables().values().stream()
        .filter(t -> t.getTableId() == tableId).findFirst().orElse(null);
  }

  /** Why a call sent on {@code sent}'s route should be given up, or null. */
  private @Nullable String routeMoved(ShardState sent, String what) {
    ShardState now = shard(sent.getShardId());
    if (!reads.isLive(sent.getPrimary()) || now == null
        || now.getEpoch() != sent.getEpoch() || !now.getPrimary().equals(sent.getPrimary())) {
      return "the route of shard " + sent.getShardId() + " changed during " + what;
    }
    return null;
  }
}
