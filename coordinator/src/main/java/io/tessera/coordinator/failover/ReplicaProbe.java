package io.tessera.coordinator.failover;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.tessera.coordinator.failover.Promotion.Candidate;
import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ReplicaStatus;
import io.tessera.protocol.proto.ReplicaStatusRequest;
import io.tessera.protocol.proto.ReplicaStatusResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks sync-set members where their logs end ({@code ReplicaStatus}): one call per node for all
 * the shards asked of it, all nodes in parallel, each with a short deadline. A node that does not
 * answer is no candidate; a node answering UNIMPLEMENTED (no replication support yet) is a
 * candidate at position {@code (0, 0)} for every shard asked; a node that answers without listing
 * a shard does not hold it and is no candidate for it.
 */
final class ReplicaProbe {
    private static final Logger log = LoggerFactory.getLogger(ReplicaProbe.class);

    private final ShardNodeAdmin nodes;
    private final Duration deadline;

    ReplicaProbe(ShardNodeAdmin nodes, Duration deadline) {
        this.nodes = nodes;
        this.deadline = deadline;
    }

    /**
     * @param asks the shards to ask each live node about
     * @return per shard id, the candidates that answered, by node id
     */
    Map<Long, Map<String, Candidate>> probe(Map<String, List<Long>> asks, Map<String, NodeInfo> live)
            throws InterruptedException {
        Map<String, ListenableFuture<ReplicaStatusResponse>> calls = new HashMap<>();
        asks.forEach((node, shardIds) -> {
            NodeInfo info = live.get(node);
            if (info != null) {
                calls.put(node, nodes.replicaStatus(info.getAddress(),
                        ReplicaStatusRequest.newBuilder().addAllShardIds(shardIds).build(), deadline));
            }
        });
        Map<Long, Map<String, Candidate>> found = new HashMap<>();
        long waitMs = deadline.toMillis() + 500; // the RPC deadline fires first
        for (Map.Entry<String, ListenableFuture<ReplicaStatusResponse>> call : calls.entrySet()) {
            String node = call.getKey();
            Set<Long> asked = new HashSet<>(asks.get(node));
            try {
                for (ReplicaStatus r : call.getValue().get(waitMs, TimeUnit.MILLISECONDS).getReplicasList()) {
                    if (asked.contains(r.getShardId())) {
                        found.computeIfAbsent(r.getShardId(), id -> new HashMap<>())
                                .put(node, new Candidate(node, r.getLastEpoch(), r.getLastLsn()));
                    }
                }
            } catch (ExecutionException e) {
                Status status = Status.fromThrowable(e.getCause());
                if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                    log.debug("Node {} does not implement ReplicaStatus; its position in shards {} is unknown (0)",
                            node, asked);
                    asked.forEach(id -> found.computeIfAbsent(id, x -> new HashMap<>())
                            .put(node, new Candidate(node, 0, 0)));
                } else {
                    log.info("Node {} did not answer ReplicaStatus for shards {}: {}", node, asked, status);
                }
            } catch (TimeoutException e) {
                call.getValue().cancel(true);
                log.info("Node {} did not answer ReplicaStatus for shards {} within {} ms", node, asked, waitMs);
            }
        }
        return found;
    }
}
