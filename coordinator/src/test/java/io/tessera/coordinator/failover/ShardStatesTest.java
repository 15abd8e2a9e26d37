package io.tessera.coordinator.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.protocol.proto.ShardState;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardStatesTest {
    static ShardState state(long epoch, String primary, List<String> replicas, List<String> sync) {
        return ShardState.newBuilder().setShardId(7).setTableId(1).setEpoch(epoch).setPrimary(primary)
                .addAllReplicas(replicas).addAllSyncSet(sync).setHashLo(10).setHashHi(20).setOrdinal(3).build();
    }

    final ShardState full = state(4, "a", List.of("a", "b", "c"), List.of("a", "b", "c"));

    @Test
    void changeSyncSetRemovesAndAddsInReplicasOrderKeepingThePrimaryAndTheEpoch() {
        ShardState without = ShardStates.changeSyncSet(full, List.of("c", "a"), List.of());
        assertThat(without.getSyncSetList()).containsExactly("a", "b");
        assertThat(without.getEpoch()).isEqualTo(4);
        assertThat(without.getReplicasList()).containsExactly("a", "b", "c");

        ShardState back = ShardStates.changeSyncSet(state(4, "a", List.of("a", "b", "c"), List.of("a", "b")),
                List.of(), List.of("c", "x"));
        assertThat(back.getSyncSetList()).containsExactly("a", "b", "c"); // x is no replica: ignored
        assertThat(back.getPrimary()).isEqualTo("a");
        assertThat(ShardStates.changeSyncSet(full, List.of(), List.of("b"))).isEqualTo(full);
    }

    @Test
    void withoutSyncMembersDropsDeadFollowersOnly() {
        assertThat(ShardStates.withoutSyncMembers(full, Set.of("b")).getSyncSetList()).containsExactly("a", "c");
        assertThat(ShardStates.withoutSyncMembers(full, Set.of("a")).getSyncSetList()).containsExactly("a", "b", "c");
    }

    @Test
    void promotionBumpsTheEpochAndKeepsTheRespondingSyncMembersAndAllReplicas() {
        ShardState next = ShardStates.promote(full, "c", List.of("c"));
        assertThat(next.getEpoch()).isEqualTo(5);
        assertThat(next.getPrimary()).isEqualTo("c");
        assertThat(next.getSyncSetList()).containsExactly("c");
        assertThat(next.getReplicasList()).containsExactly("a", "b", "c");
        assertThat(next.getHashLo()).isEqualTo(10);
        assertThat(next.getOrdinal()).isEqualTo(3);

        assertThat(ShardStates.promote(full, "b", List.of("c", "b")).getSyncSetList()).containsExactly("b", "c");
    }

    @Test
    void onlySyncMembersArePromotedOrKeptInTheSyncSet() {
        ShardState shrunk = state(4, "a", List.of("a", "b", "c"), List.of("a", "b"));
        assertThatThrownBy(() -> ShardStates.promote(shrunk, "c", List.of("c")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ShardStates.promote(shrunk, "b", List.of("b", "c")).getSyncSetList()).containsExactly("b");
    }

    @Test
    void replacementPutsTheNewNodeInTheLostOnesPlaceOutsideTheSyncSet() {
        ShardState s = state(4, "a", List.of("a", "b", "c"), List.of("a", "b"));
        ShardState next = ShardStates.replace(s, "c", "d");
        assertThat(next.getReplicasList()).containsExactly("a", "b", "d");
        assertThat(next.getSyncSetList()).containsExactly("a", "b");
        assertThat(next.getEpoch()).isEqualTo(4);
        assertThat(ShardStates.replace(full, "b", "d").getSyncSetList()).containsExactly("a", "c");
        assertThatThrownBy(() -> ShardStates.replace(s, "a", "d")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ShardStates.replace(s, "c", "b")).isInstanceOf(IllegalArgumentException.class);
    }
}
