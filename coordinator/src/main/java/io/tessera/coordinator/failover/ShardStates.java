package io.tessera.coordinator.failover;

import io.tessera.protocol.proto.ShardState;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The transitions of a shard's replica group configuration, as pure functions of its
 * {@link ShardState}. Sync sets are kept in the order of {@code replicas}, and the primary is
 * always a member of its sync set.
 */
public final class ShardStates {
    private ShardStates() {}

    /**
     * {@code ChangeSyncSet}: removes {@code remove}, then adds those of {@code add} that are
     * replicas of the shard. The primary stays whatever {@code remove} says; the epoch is unchanged.
     */
    public static ShardState changeSyncSet(ShardState s, Collection<String> remove, Collection<String> add) {
        List<String> sync = s.getReplicasList().stream()
                .filter(n -> n.equals(s.getPrimary())
                        || (s.getSyncSetList().contains(n) && !remove.contains(n))
                        || add.contains(n))
                .toList();
        return s.toBuilder().clearSyncSet().addAllSyncSet(sync).build();
    }

    /** Removes nodes (dead followers) from the sync set; the primary stays, the epoch is unchanged. */
    public static ShardState withoutSyncMembers(ShardState s, Set<String> gone) {
        return changeSyncSet(s, gone, List.of());
    }

    /**
     * Failover: {@code primary} leads the next epoch, with the sync-set members that answered as
     * its sync set ({@code primary} included); {@code replicas} is unchanged. Only a sync-set member
     * holds every acknowledged write, so only one can be promoted.
     */
    public static ShardState promote(ShardState s, String primary, Collection<String> responders) {
        if (!s.getSyncSetList().contains(primary)) {
            throw new IllegalArgumentException("node " + primary + " is not in the sync set " + s.getSyncSetList()
                    + " of shard " + s.getShardId());
        }
        List<String> sync = s.getReplicasList().stream()
                .filter(n -> n.equals(primary) || (responders.contains(n) && s.getSyncSetList().contains(n)))
                .toList();
        return s.toBuilder().setEpoch(s.getEpoch() + 1).setPrimary(primary)
                .clearSyncSet().addAllSyncSet(sync).build();
    }

    /**
     * Replacement: {@code target} takes the place of the lost follower {@code gone} in
     * {@code replicas}, outside the sync set (the primary adds it once it caught up).
     */
    public static ShardState replace(ShardState s, String gone, String target) {
        if (s.getPrimary().equals(gone)) {
            throw new IllegalArgumentException("the primary " + gone + " of shard " + s.getShardId()
                    + " is not replaced: promote a follower first");
        }
        if (s.getReplicasList().contains(target)) {
            throw new IllegalArgumentException("node " + target + " already holds shard " + s.getShardId());
        }
        List<String> replicas = s.getReplicasList().stream().map(n -> n.equals(gone) ? target : n).toList();
        List<String> sync = s.getSyncSetList().stream().filter(n -> !n.equals(gone)).toList();
        return s.toBuilder().clearReplicas().addAllReplicas(replicas).clearSyncSet().addAllSyncSet(sync).build();
    }
}
