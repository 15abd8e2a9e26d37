package io.tessera.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transactions with real processes and real signals: 3 shard nodes, 2 coordinators and ZooKeeper as
 * child JVMs; the bank (transfers across shards, readers summing every balance in one transaction)
 * and the list-append workload run while primaries are killed (kill -9) and restarted, paused
 * (SIGSTOP), and the leading coordinator is killed and restarted, for 60 s. Then the bank invariants
 * hold, the ledger of committed transfers replays to the final balances, the list-append history has
 * no snapshot isolation anomaly (indeterminate commits may or may not have happened), and the
 * replicas converge. The full report is in the assertion message and the test's output file.
 */
class TransactionsSurviveKillsOfPrimariesAndCoordinators {
    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES) // a hung run must not hang the build
    void bankAndListAppendHistoriesStaySnapshotIsolatedUnderFaults() throws Exception {
        long seed = Long.getLong("tessera.chaos.seed", System.nanoTime());
        Path dir = Path.of("target", "chaos", "txn-run-" + System.currentTimeMillis()).toAbsolutePath();
        TransactionChaosRun.Settings settings = new TransactionChaosRun.Settings(dir, Duration.ofSeconds(60), true,
                true, 4, 4, 3, 2, "sync", seed, Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(60), List.of());
        ChaosReport report = TransactionChaosRun.run(settings, line -> System.out.println("[txn-chaos] " + line));
        String text = report.render();
        System.out.println(text);
        assertThat(report.passed()).as("transaction chaos report (seed %d, logs in %s):%n%s", seed, dir, text).isTrue();
    }
}
