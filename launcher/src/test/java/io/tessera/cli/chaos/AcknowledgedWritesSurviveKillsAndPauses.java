package io.tessera.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replication and failover with real processes and real signals: 3 shard nodes, 2 coordinators and
 * ZooKeeper as child JVMs; 6 writers insert unique keys into a table of 6 shards × 3 replicas while
 * the primary of a shard is killed (kill -9) and restarted, a node is paused (SIGSTOP) and resumed,
 * and the leading coordinator is killed and restarted, for 75 s. Then every acknowledged insert is
 * stored exactly once (through SQL and in the replica files), nothing else is, and the sync-set
 * members of every shard hold identical rows. The full report (faults, errors, per-replica lsn and
 * row counts) is in the assertion message and in the test's output file.
 */
class AcknowledgedWritesSurviveKillsAndPauses {
    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES) // a hung run must not hang the build
    void acknowledgedWritesSurviveKillsPausesAndCoordinatorFailover() throws Exception {
        long seed = Long.getLong("tessera.chaos.seed", System.nanoTime());
        // Under target/, not a temporary directory: the logs and replica files are the evidence of a failure.
        Path dir = Path.of("target", "chaos", "run-" + System.currentTimeMillis()).toAbsolutePath();
        ChaosRun.Settings settings = new ChaosRun.Settings(dir, Duration.ofSeconds(75), 6, 6, 3, 2, "sync", seed,
                Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(60), List.of());
        ChaosReport report = ChaosRun.run(settings, line -> System.out.println("[chaos] " + line));
        String text = report.render();
        System.out.println(text);
        assertThat(report.passed()).as("chaos report (seed %d, logs in %s):%n%s", seed, dir, text).isTrue();
    }
}
