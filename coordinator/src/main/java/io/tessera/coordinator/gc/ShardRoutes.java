package io.tessera.coordinator.gc;

import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import java.util.Map;
import java.util.Optional;

/**
 * The shard map and live nodes as a GC round read them at its start: where each shard's primary is,
 * and the {@code (shard, epoch)} to send it. A route that moved meanwhile fails the call (the shard
 * answers STALE_EPOCH or NOT_PRIMARY), and the next round tries again.
 */
final class ShardRoutes {
    private final Map<Long, ShardState> shards;
    private final Map<String, NodeInfo> live;
    private final ShardNodeAdmin nodes;

    ShardRoutes(Map<Long, ShardState> shards, Map<String, NodeInfo> live, ShardNodeAdmin nodes) {
        this.shards = shards;
        this.live = live;
        this.nodes = nodes;
    }

    Map<Long, ShardState> shards() {
        return shards;
    }

    /** The address of a live node, if it is live. */
    Optional<String> address(String nodeId) {
        NodeInfo n = live.get(nodeId);
        return n == null ? Optional.empty() : Optional.of(n.getAddress());
    }

    ShardRef ref(long shardId) {
        ShardState s = require(shardId);
        return ShardRef.newBuilder().setShardId(shardId).setEpoch(s.getEpoch()).build();
    }

    /** A stub to the primary of {@code shardId}; IllegalStateException when it is unknown or not live. */
    ShardServiceGrpc.ShardServiceFutureStub primary(long shardId) {
        ShardState s = require(shardId);
        String address = address(s.getPrimary()).orElseThrow(() -> new IllegalStateException("the primary "
                + s.getPrimary() + " of shard " + shardId + " is not live"));
        return nodes.shardService(address);
    }

    private ShardState require(long shardId) {
        ShardState s = shards.get(shardId);
        if (s == null) {
            throw new IllegalStateException("shard " + shardId + " is not in the shard map");
        }
        return s;
    }
}
