package io.tessera.sql.sys;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.Status;
import io.tessera.protocol.proto.ReplicaStatus;
import io.tessera.protocol.proto.ReplicaStatusRequest;
import io.tessera.protocol.proto.ReplicaStatusResponse;
import io.tessera.protocol.proto.ShardServiceGrpc;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Asks live shard nodes for the {@code ReplicaStatus} of their replicas, all in parallel, each
 * with a short deadline: a node that does not answer in time (stopped, partitioned) shows as
 * such, it does not fail the caller. Used by {@code SYS.SHARDS} and {@code tessera status}.
 */
public final class ReplicaStatusProbe {
  /** Deadline of each node's answer. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofMillis(1500);

  private ReplicaStatusProbe() {}

  /** What one node said, or why it said nothing. */
  public record NodeAnswer(String nodeId, @Nullable ReplicaStatusResponse response,
      @Nullable String problem) {
    /** The node's replica of {@code shardId}, if the node answered and holds one. */
    public Optional<ReplicaStatus> replica(long shardId) {
      if (response == null) {
        return Optional.empty();
      }
      for (ReplicaStatus r : response.getReplicasList()) {
        if (r.getShardId() == shardId) {
          return Optional.of(r);
        }
      }
      return Optional.empty();
    }

    /** Whether the node does not implement ReplicaStatus (an older node). */
    public boolean unsupported() {
      return problem != null && problem.startsWith(Status.Code.UNIMPLEMENTED.name());
    }
  }

  /**
   * The answers of {@code addresses} (node id to {@code host:port}), by node id; every node has
   * an entry once this returns (within about {@code deadline}).
   *
   * @param channels the channel to an address (not shut down here)
   */
  public static Map<String, NodeAnswer> probe(Map<String, String> addresses,
      Function<String, Channel> channels, Duration deadline) {
    Map<String, NodeAnswer> answers = new HashMap<>();
    CountDownLatch done = new CountDownLatch(addresses.size());
    for (Map.Entry<String, String> node : addresses.entrySet()) {
      String nodeId = node.getKey();
      try {
        Futures.addCallback(ShardServiceGrpc.newFutureStub(channels.apply(node.getValue()))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .replicaStatus(ReplicaStatusRequest.getDefaultInstance()),
            new FutureCallback<>() {
              @Override public void onSuccess(ReplicaStatusResponse r) {
                answer(new NodeAnswer(nodeId, r, null));
              }

              @Override public void onFailure(Throwable t) {
                Status s = Status.fromThrowable(t);
                answer(new NodeAnswer(nodeId, null, s.getCode() + (s.getDescription() == null
                    ? "" : ": " + s.getDescription())));
              }

              private void answer(NodeAnswer a) {
                synchronized (answers) {
                  answers.put(nodeId, a);
                }
                done.countDown();
              }
            }, MoreExecutors.directExecutor());
      } catch (RuntimeException e) {
        synchronized (answers) {
          answers.put(nodeId, new NodeAnswer(nodeId, null, e.toString()));
        }
        done.countDown();
      }
    }
    try {
      done.await(deadline.toMillis() + 500, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Map<String, NodeAnswer> out = new TreeMap<>();
    synchronized (answers) {
      out.putAll(answers);
    }
    for (String nodeId : addresses.keySet()) {
      out.putIfAbsent(nodeId, new NodeAnswer(nodeId, null, "no answer within " + deadline));
    }
    return out;
  }
}
