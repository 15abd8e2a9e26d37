package io.tessera.sql.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.coordinator.Coordinator;
import io.tessera.sql.error.TesseraException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CoordinatorClient#nextTimestampWithin(Duration)}: gives up within its budget while no
 * coordinator leads, and finds a new leader by itself (the lookup runs in the background).
 */
class ShortBudgetTimestampsFollowTheLeader {
    @TempDir
    Path dir;

    @Test
    void givesUpWithinItsBudgetAndThenFindsTheNewLeader() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, "short", 2, 1);
                ClusterClient client = ClusterClient.connect(cluster.zkConnect(), cluster.name)) {
            CoordinatorClient coordinator = client.coordinator();
            coordinator.nextTimestampWithin(Duration.ofSeconds(1));
            cluster.coordinators.get(1).close(); // nobody to take over
            cluster.coordinators.get(0).close();

            long t0 = System.nanoTime();
            assertThatThrownBy(() -> coordinator.nextTimestampWithin(Duration.ofMillis(500)))
                    .isInstanceOf(TesseraException.class)
                    .satisfies(e -> assertThat(((TesseraException) e).sqlState()).isEqualTo("08006"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void findsTheNewLeaderWithoutALongCall() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, "follow-short", 2, 1);
                ClusterClient client = ClusterClient.connect(cluster.zkConnect(), cluster.name)) {
            CoordinatorClient coordinator = client.coordinator();
            long before = coordinator.nextTimestampWithin(Duration.ofSeconds(1));
            Coordinator leader = cluster.coordinators.get(0);
            Coordinator standby = cluster.coordinators.get(1);
            leader.close();

            long t0 = System.nanoTime();
            long after = 0;
            while (after == 0 && System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos()) {
                try {
                    after = coordinator.nextTimestampWithin(Duration.ofMillis(300));
                } catch (TesseraException e) {
                    Thread.sleep(100);
                }
            }
            assertThat(standby.isLeader()).isTrue();
            assertThat(after).isGreaterThan(before);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
