package io.tessera.sql.txn;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.PrimaryKeyRef;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TxnHeartbeatRequest;
import io.tessera.protocol.proto.TxnResponse;
import io.tessera.sql.exec.ClusterReads;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.UniqueIds;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the transactions of all connections to one cluster client share: the heartbeat thread (one
 * scheduled executor per client; every {@link #HEARTBEAT_MS} ms it sends {@code TxnHeartbeat} to
 * the primary's shard of each open transaction with writes, so that only the locks of a
 * transaction whose client is gone expire), a small pool that sends commit and rollback to
 * several shards in parallel, and the renewal of the client's {@link UniqueIds} (on the same
 * thread's schedule, in the pool). Closed with the client.
 */
public final class ClusterTxns {
  static final long HEARTBEAT_MS = 1000;
  private static final long HEARTBEAT_DEADLINE_MS = 2000;
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTxns.class);
  private static final Map<ClusterClient, ClusterTxns> BY_CLIENT =
      Collections.synchronizedMap(new WeakHashMap<>());

  private final ClusterClient client;
  private final ClusterReads reads;
  private final ScheduledExecutorService heartbeats;
  private final ExecutorService workers;
  private final Set<Transaction> open = ConcurrentHashMap.newKeySet();

  private ClusterTxns(ClusterClient client) {
    this.client = client;
    this.reads = ClusterReads.of(client);
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(
        daemon("tessera-txn-heartbeat-" + client.cluster()));
    this.workers = Executors.newCachedThreadPool(daemon("tessera-txn-" + client.cluster()));
    heartbeats.scheduleWithFixedDelay(this::beat, HEARTBEAT_MS, HEARTBEAT_MS,
        TimeUnit.MILLISECONDS);
    // From the start: a transaction that begins in an oracle outage needs a block taken before it.
    UniqueIds ids = reads.uniqueIds();
    heartbeats.scheduleWithFixedDelay(() -> workers.execute(ids::renewIfStale), 0,
        HEARTBEAT_MS, TimeUnit.MILLISECONDS);
    client.onClose(this::close);
  }

  /** The shared transaction services of {@code client}, created once per client. */
  public static ClusterTxns of(ClusterClient client) {
    return BY_CLIENT.computeIfAbsent(client, ClusterTxns::new);
  }

  ClusterClient client() {
    return client;
  }

  ClusterReads reads() {
    return reads;
  }

  /** Runs commit/rollback calls to several shards in parallel. */
  ExecutorService workers() {
    return workers;
  }

  /** Heartbeats {@code txn} until {@link #forget}. */
  void track(Transaction txn) {
    open.add(txn);
  }

  void forget(Transaction txn) {
    open.remove(txn);
  }

  private void beat() {
    for (Transaction txn : open) {
      PrimaryKeyRef primary = txn.primary();
      if (primary == null || txn.ended()) {
        continue;
      }
      try {
        send(txn, primary);
      } catch (RuntimeException e) {
        LOG.debug("Heartbeat of {} not sent: {}", txn, e.toString());
      }
    }
  }

  /** Fire and forget: a lost heartbeat is covered by the next one (the TTL spans several). */
  private void send(Transaction txn, PrimaryKeyRef primary) {
    ShardState shard = ShardRpc.shard(client, primary.getShardId());
    Channel channel = shard == null ? null : reads.channel(shard.getPrimary());
    if (channel == null) {
      LOG.debug("Heartbeat of {} skipped: no live primary for shard {}", txn,
          primary.getShardId());
      return;
    }
    TxnHeartbeatRequest request = TxnHeartbeatRequest.newBuilder()
        .setShard(ShardRef.newBuilder().setShardId(shard.getShardId())
            .setEpoch(shard.getEpoch()))
        .setPrimaryPk(primary.getPk())
        .setStartTs(txn.startTs())
        .setTtlMs(txn.ttlMs())
        .build();
    Futures.addCallback(ShardServiceGrpc.newFutureStub(channel)
        .withDeadlineAfter(HEARTBEAT_DEADLINE_MS, TimeUnit.MILLISECONDS)
        .txnHeartbeat(request), new FutureCallback<TxnResponse>() {
          @Override public void onSuccess(TxnResponse r) {
            if (r.getError().getCode() == Error.Code.TXN_ABORTED) {
              txn.abortedElsewhere("its locks expired and another client rolled it back ("
                  + r.getError().getMessage() + ")");
              LOG.debug("{} was rolled back by another client: {}", txn, r.getError().getMessage());
            } else if (!ShardErrors.isOk(r.getError())) {
              LOG.debug("Heartbeat of {} on shard {} answered {}: {}", txn,
                  shard.getShardId(), r.getError().getCode(), r.getError().getMessage());
            }
          }

          @Override public void onFailure(Throwable t) {
            LOG.debug("Heartbeat of {} on shard {} failed: {}", txn, shard.getShardId(),
                t.toString());
          }
        }, MoreExecutors.directExecutor());
  }

  private void close() {
    BY_CLIENT.remove(client);
    heartbeats.shutdownNow();
    workers.shutdown();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
