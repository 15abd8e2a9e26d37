package io.tessera.coordinator.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the shards of a new table go. Nodes are ordered by how many replicas they already hold
 * (then by id, so the result is deterministic); shard {@code i} takes the nodes at positions
 * {@code i, i+1, ..., i+rf-1} of that order, round robin. Consecutive positions are distinct nodes
 * whenever {@code rf <= nodes}, so replicas of a shard never share a node, and the new replicas
 * spread evenly, starting with the least-loaded node.
 */
public final class Placement {
    private Placement() {}

    /**
     * @param liveNodes ids of the nodes that may receive replicas
     * @param replicasPerNode replicas each node holds now; missing nodes hold none
     * @return for each shard ordinal, its replicas' node ids; the first one is the primary
     */
    public static List<List<String>> place(int shardCount, int replicationFactor, Collection<String> liveNodes,
            Map<String, Integer> replicasPerNode) throws PlacementException {
        if (shardCount < 1) {
            throw new IllegalArgumentException("shard count must be positive: " + shardCount);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor must be positive: " + replicationFactor);
        }
        if (liveNodes.size() < replicationFactor) {
            throw new PlacementException("replication factor " + replicationFactor + " needs as many live nodes, "
                    + liveNodes.size() + " live");
        }
        List<String> order = new ArrayList<>(liveNodes);
        order.sort(Comparator.<String>comparingInt(n -> replicasPerNode.getOrDefault(n, 0))
                .thenComparing(Comparator.naturalOrder()));
        int n = order.size();
        List<List<String>> shards = new ArrayList<>(shardCount);
        for (int i = 0; i < shardCount; i++) {
            List<String> replicas = new ArrayList<>(replicationFactor);
            for (int r = 0; r < replicationFactor; r++) {
                replicas.add(order.get((i + r) % n));
            }
            shards.add(List.copyOf(replicas));
        }
        return List.copyOf(shards);
    }

    /**
     * Where a lost replica of a shard is re-created: the live node that does not hold the shard yet
     * and holds the fewest replicas (then the smallest id), as for a new table.
     *
     * @param holders the nodes listed in the shard's replicas (live or not)
     * @return empty when every live node already holds the shard
     */
    public static Optional<String> replacement(Collection<String> liveNodes, Collection<String> holders,
            Map<String, Integer> replicasPerNode) {
        return liveNodes.stream()
                .filter(n -> !holders.contains(n))
                .min(Comparator.<String>comparingInt(n -> replicasPerNode.getOrDefault(n, 0))
                        .thenComparing(Comparator.naturalOrder()));
    }
}
