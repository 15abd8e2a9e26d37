package io.tessera.coordinator.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {
    @Test
    void spreadsShardsEvenlyRoundRobin() throws Exception {
        List<List<String>> p = Placement.place(6, 1, Set.of("n1", "n2", "n3"), Map.of());
        assertThat(p).containsExactly(List.of("n1"), List.of("n2"), List.of("n3"), List.of("n1"), List.of("n2"),
                List.of("n3"));
    }

    @Test
    void startsWithTheLeastLoadedNode() throws Exception {
        List<List<String>> p = Placement.place(2, 1, Set.of("n1", "n2", "n3"), Map.of("n1", 5, "n2", 1, "n3", 3));
        assertThat(p).containsExactly(List.of("n2"), List.of("n3"));
    }

    @Test
    void keepsReplicasOfAShardOnDistinctNodesAndBalancesThem() throws Exception {
        List<List<String>> p = Placement.place(4, 3, Set.of("a", "b", "c", "d"), Map.of());
        Map<String, Integer> load = new HashMap<>();
        for (List<String> replicas : p) {
            assertThat(Set.copyOf(replicas)).hasSize(3);
            replicas.forEach(n -> load.merge(n, 1, Integer::sum));
        }
        assertThat(load).containsOnlyKeys("a", "b", "c", "d").allSatisfy((n, c) -> assertThat(c).isEqualTo(3));
    }

    @Test
    void refusesMoreReplicasThanLiveNodes() {
        assertThatThrownBy(() -> Placement.place(1, 3, Set.of("a", "b"), Map.of()))
                .isInstanceOf(PlacementException.class).hasMessageContaining("2 live");
    }

    @Test
    void aLostReplicaGoesToTheLeastLoadedLiveNodeNotHoldingTheShard() {
        Set<String> live = Set.of("n1", "n2", "n4", "n5");
        List<String> holders = List.of("n1", "n2", "n3");
        assertThat(Placement.replacement(live, holders, Map.of("n4", 7, "n5", 2, "n1", 0))).contains("n5");
        assertThat(Placement.replacement(live, holders, Map.of("n4", 2, "n5", 2))).contains("n4");
        assertThat(Placement.replacement(Set.of("n1", "n2"), holders, Map.of())).isEmpty();
    }
}
