package io.tessera.coordinator.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A table asking for replication factor 0 (no REPLICAS clause) gets the cluster's default. */
class ReplicationFactorTest {
    @Test
    void zeroMeansTheConfiguredDefaultCappedByLiveNodes() {
        assertThat(Catalog.replicationFactor(0, 3, 5)).isEqualTo(3);
        assertThat(Catalog.replicationFactor(0, 3, 2)).isEqualTo(2);
        assertThat(Catalog.replicationFactor(0, 1, 3)).isEqualTo(1);
        assertThat(Catalog.replicationFactor(0, 3, 0)).isEqualTo(1); // placement then says why not
    }

    @Test
    void anExplicitFactorIsKept() {
        assertThat(Catalog.replicationFactor(2, 3, 5)).isEqualTo(2);
        assertThat(Catalog.replicationFactor(4, 1, 3)).isEqualTo(4); // placement refuses it
    }
}
