package io.tessera.sql.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterClientsTest {
    @TempDir
    Path dir;

    @Test
    void connectionsToOneClusterShareOneClientUntilTheLastOneCloses() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, "shared", 1, 1)) {
            int before = ClusterClients.size();
            ClusterClient first = ClusterClients.acquire(cluster.zkConnect(), cluster.name);
            ClusterClient second = ClusterClients.acquire(cluster.zkConnect(), cluster.name);
            ClusterClient other = ClusterClients.acquire(cluster.zkConnect(), "another-cluster");
            AtomicInteger closed = new AtomicInteger();
            first.onClose(closed::incrementAndGet);

            assertThat(second).isSameAs(first);
            assertThat(other).isNotSameAs(first);
            assertThat(ClusterClients.size()).isEqualTo(before + 2);

            first.close();
            assertThat(closed).hasValue(0);
            assertThat(second.coordinator().nextTimestamp()).isPositive();

            second.close();
            assertThat(closed).hasValue(1);
            second.close(); // an extra release is harmless
            assertThat(closed).hasValue(1);

            ClusterClient fresh = ClusterClients.acquire(cluster.zkConnect(), cluster.name);
            assertThat(fresh).isNotSameAs(first);
            fresh.close();
            other.close();
            assertThat(ClusterClients.size()).isEqualTo(before);
        }
    }
}
