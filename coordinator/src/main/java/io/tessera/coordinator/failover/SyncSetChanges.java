package io.tessera.coordinator.failover;

import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.membership.Membership;
import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.coordinator.shardmap.ShardStateStore;
import io.tessera.coordinator.shardmap.ShardStateStore.Update;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ChangeSyncSet} on the leader: a primary removes followers that stopped acknowledging
 * (before it commits without them) or adds followers that caught up. Applied by fenced CAS on the
 * shard state read from ZooKeeper, only while the request's epoch and primary are current, and
 * adding only live nodes that hold a replica of the shard; the new state is then pushed to the
 * shard's live replicas, best effort.
 */
public final class SyncSetChanges {
    private static final Logger log = LoggerFactory.getLogger(SyncSetChanges.class);
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(1);

    private final ShardStateStore store;
    private final Membership membership;
    private final ReplicaProbe probe;
    private final Consumer<ShardState> publish;

    /** @param publish pushes a changed state to the shard's live replicas (asynchronously) */
    public SyncSetChanges(ShardStateStore store, Membership membership, ShardNodeAdmin nodes,
            Consumer<ShardState> publish) {
        this.store = store;
        this.membership = membership;
        this.probe = new ReplicaProbe(nodes, PROBE_DEADLINE);
        this.publish = publish;
    }

    /**
     * @throws io.tessera.coordinator.leader.NotLeaderException when the coordinator epoch moved on
     */
    public SyncSetChangeResponse change(Fence fence, SyncSetChangeRequest request) throws Exception {
        long shardId = request.getShardId();
        List<String> added = request.getAddList().isEmpty() ? List.of() : holders(request);
        Optional<Update> update = store.update(fence, shardId, s -> isCurrent(s, request)
                ? ShardStates.changeSyncSet(s, request.getRemoveList(), added) : s);
        if (update.isEmpty()) {
            return SyncSetChangeResponse.newBuilder().setError(ShardErrors.of(Error.Code.UNKNOWN_SHARD,
                    "shard " + shardId + " does not exist")).build();
        }
        ShardState state = update.get().after();
        if (!isCurrent(state, request)) {
            log.info("ChangeSyncSet of shard {} refused: asked by {} at epoch {}, but the primary of epoch {} is {}",
                    shardId, request.getPrimary(), request.getEpoch(), state.getEpoch(), state.getPrimary());
            return SyncSetChangeResponse.newBuilder().setState(state).setError(ShardErrors.of(Error.Code.STALE_EPOCH,
                    "shard " + shardId + " is at epoch " + state.getEpoch() + " with primary " + state.getPrimary()))
                    .build();
        }
        if (update.get().changed()) {
            log.info("Shard {} (epoch {}, primary {}): sync set {} -> {} (remove {}, add {}) at coordinator epoch {}",
                    shardId, state.getEpoch(), state.getPrimary(), update.get().before().state().getSyncSetList(),
                    state.getSyncSetList(), request.getRemoveList(), added, fence.epoch());
            publish.accept(state);
        }
        return SyncSetChangeResponse.newBuilder().setState(state).build();
    }

    /**
     * The nodes to add that are live and hold a replica of the shard (asked with ReplicaStatus;
     * a node without ReplicaStatus is trusted). A node that died, or came back with an empty disk
     * before the primary noticed, must not enter the sync set on the strength of old acknowledgements.
     */
    private List<String> holders(SyncSetChangeRequest request) throws Exception {
        Map<String, NodeInfo> live = membership.readLiveNodes();
        Map<String, List<Long>> asks = new HashMap<>();
        request.getAddList().stream().filter(live::containsKey)
                .forEach(n -> asks.put(n, List.of(request.getShardId())));
        Set<String> holding = probe.probe(asks, live).getOrDefault(request.getShardId(), Map.of()).keySet();
        List<String> refused = request.getAddList().stream().filter(n -> !holding.contains(n)).toList();
        if (!refused.isEmpty()) {
            log.info("ChangeSyncSet of shard {} (epoch {}, primary {}): not adding {}: not live or holding no replica",
                    request.getShardId(), request.getEpoch(), request.getPrimary(), refused);
        }
        return request.getAddList().stream().filter(holding::contains).toList();
    }

    private static boolean isCurrent(ShardState s, SyncSetChangeRequest request) {
        return s.getEpoch() == request.getEpoch() && s.getPrimary().equals(request.getPrimary());
    }
}
