package io.tessera.cli.chaos;

import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One chaos run, the same for {@code mvn verify} and {@code tessera chaos}: a {@link FaultCluster},
 * the {@link InsertWorkload} on a table with three replicas per shard, the {@link Nemesis} for a
 * while, then the checks: replicas converge, the rows read through SQL agree with the
 * {@link Ledger}, every process stops gracefully, and the replica files of each shard's sync set
 * are identical and agree with the ledger too.
 */
public final class ChaosRun {
    /**
     * @param dir             data and logs (kept afterwards)
     * @param faults          how long the fault loop runs
     * @param writers         concurrent writer connections
     * @param shards          shards of the table (three replicas each)
     * @param nodes           shard node processes (at least 3)
     * @param coordinators    coordinator processes
     * @param durability      {@code sync} or {@code memory}
     * @param seed            seed of the fault choices
     * @param startTimeout    for the cluster to come up
     * @param healTimeout     before each fault, for the cluster to heal
     * @param convergeTimeout after the faults, for every replica to catch up
     * @param nodeArgs        further {@code tessera node} flags (e.g. a short {@code --log-retention=200}, so
     *                        that restarted nodes catch up by snapshot)
     */
    public record Settings(Path dir, Duration faults, int writers, int shards, int nodes, int coordinators,
                           String durability, long seed, Duration startTimeout, Duration healTimeout,
                           Duration convergeTimeout, List<String> nodeArgs) {}

    private ChaosRun() {}

    public static ChaosReport run(Settings s, Consumer<String> progress) throws Exception {
        ChaosReport report = new ChaosReport();
        report.note("chaos run: " + s.nodes() + " nodes, " + s.coordinators() + " coordinators, " + s.shards()
                + " shards x 3 replicas, " + s.writers() + " writers, faults for " + s.faults().toSeconds()
                + " s, durability " + s.durability() + ", seed " + s.seed() + ", node flags " + s.nodeArgs()
                + ", data " + s.dir().toAbsolutePath());
        progress.accept("starting the cluster in " + s.dir().toAbsolutePath());
        try (FaultCluster cluster = FaultCluster.start(new FaultCluster.Settings(s.dir(), s.nodes(), s.coordinators(),
                s.durability(), s.startTimeout(), s.nodeArgs()))) {
            progress.accept("cluster up: ZooKeeper " + cluster.zkConnect() + ", JDBC URL " + cluster.jdbcUrl());
            createTable(cluster.jdbcUrl(), s.shards(), s.startTimeout());
            TableSchema table = cluster.view().table(InsertWorkload.TABLE)
                    .orElseThrow(() -> new IllegalStateException("table " + InsertWorkload.TABLE + " not in ZooKeeper"));
            report.note("table " + table.getName() + " id " + table.getTableId() + ", replication factor "
                    + table.getReplicationFactor() + ", shards " + describe(cluster.view().shards(table.getTableId())));

            InsertWorkload workload = new InsertWorkload(cluster.jdbcUrl(), s.writers());
            Ledger ledger = workload.ledger();
            workload.start();
            ReadChecker reader = new ReadChecker(cluster.jdbcUrl(), 2, ledger);
            reader.start();
            Thread ticker = ticker(ledger, progress);
            Nemesis nemesis = new Nemesis(cluster, table.getTableId(), s.seed(), s.healTimeout(), progress);
            try {
                Thread.sleep(3000);
                nemesis.run(s.faults());
            } finally {
                ticker.interrupt();
            }
            // Writes must go on once the last fault is undone.
            long ackedAfterFaults = ledger.count(Ledger.Outcome.ACKNOWLEDGED);
            long recoveryDeadline = System.nanoTime() + s.healTimeout().toNanos();
            Thread.sleep(3000);
            while (ledger.count(Ledger.Outcome.ACKNOWLEDGED) == ackedAfterFaults && System.nanoTime() < recoveryDeadline) {
                Thread.sleep(500);
            }
            long ackedAfterRecovery = ledger.count(Ledger.Outcome.ACKNOWLEDGED) - ackedAfterFaults;
            reader.stop(Duration.ofSeconds(60));
            List<Long> stuck = workload.stop(Duration.ofSeconds(60));
            progress.accept("writers stopped: " + ledger.summary());
            report.note("workload: " + ledger.summary() + "; reconnects " + workload.reconnects()
                    + (stuck.isEmpty() ? "" : "; inserts still unanswered at the end (ambiguous): " + stuck));
            ledger.errorSummary().forEach((state, what) -> report.note("  error " + state + ": " + what));
            for (Nemesis.Event e : nemesis.events()) {
                report.note(String.format("  fault t+%.1fs %s", e.atSeconds(), e.what()));
            }
            report.check("workload: inserts are acknowledged again after the last fault",
                    ackedAfterRecovery > 0 ? List.of() : List.of("no insert acknowledged within "
                            + s.healTimeout().toSeconds() + " s after the last fault"));
            List<String> dupAnswers = new ArrayList<>();
            ledger.entries().forEach((key, e) -> {
                if (e.outcome() == Ledger.Outcome.DUPLICATE_REPORTED) {
                    dupAnswers.add("id " + key + ": " + e.error());
                }
            });
            report.check("workload: no insert of a fresh key is answered 23505 (driver retries are deduplicated)",
                    dupAnswers);
            report.note("reads: " + reader.summary());
            report.check("reads: every point read of an acknowledged row (started after the acknowledgement) finds it",
                    reader.staleReads());

            List<String> problems = awaitConverged(cluster, table.getTableId(), s.convergeTimeout(), progress);
            report.check("replicas catch up after the faults (all live, in the sync set, at the primary's lsn) within "
                    + s.convergeTimeout().toSeconds() + " s", problems);

            progress.accept("reading the table through SQL");
            List<RowAudit.Row> sqlRows = RowAudit.readAll(cluster.jdbcUrl(), Duration.ofSeconds(60));
            RowAudit.check("SQL", sqlRows, ledger, report);
            long count = RowAudit.count(cluster.jdbcUrl());
            report.check("SQL: COUNT(*) equals the rows scanned", count == sqlRows.size() ? List.of()
                    : List.of("COUNT(*) = " + count + ", scan returned " + sqlRows.size() + " rows"));

            List<ShardState> finalStates = cluster.view().shards(table.getTableId());
            List<String> crashes = new ArrayList<>(nemesis.crashes());
            for (Member m : cluster.members()) {
                if (!m.alive()) {
                    crashes.add("at the end: " + m.describeExit());
                }
            }
            report.check("no process exited unless killed", crashes);
            if (nemesis.unhealed() > 0) {
                report.note("the cluster was not healed within " + s.healTimeout().toSeconds() + " s before "
                        + nemesis.unhealed() + " faults (see the fault list)");
            }

            progress.accept("stopping every process gracefully");
            List<String> forced = cluster.stopGracefully();
            report.check("every process stops on SIGTERM within 20 s",
                    forced.stream().map(n -> n + " had to be killed").toList());

            progress.accept("comparing the replica files");
            Map<String, Path> dirs = new LinkedHashMap<>();
            for (Member m : cluster.nodes()) {
                dirs.put(m.name(), cluster.dataDir(m.name()));
            }
            List<RowAudit.Row> fileRows = ReplicaAudit.check(dirs, finalStates, cluster.dir().resolve("audit"), report);
            RowAudit.check("replica files", fileRows, ledger, report);
        }
        return report;
    }

    private static void createTable(String url, int shards, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                InsertWorkload.createTable(url, shards);
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    /** Polls until the table's replica groups converge; returns the last problems (empty = converged). */
    static List<String> awaitConverged(FaultCluster cluster, long tableId, Duration timeout, Consumer<String> progress)
            throws InterruptedException {
        return awaitConverged(cluster, tableId, true, timeout, progress);
    }

    static List<String> awaitConverged(FaultCluster cluster, long tableId, boolean sameLsn, Duration timeout,
                                       Consumer<String> progress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> problems = List.of("not checked");
        long nextReport = System.nanoTime();
        int stable = 0;
        while (System.nanoTime() < deadline) {
            try {
                problems = cluster.view().convergenceProblems(tableId, sameLsn);
            } catch (Exception e) {
                problems = List.of("ZooKeeper: " + e);
            }
            if (problems.isEmpty()) {
                if (++stable == 2) {
                    return problems;
                }
            } else {
                stable = 0;
                if (System.nanoTime() >= nextReport) {
                    progress.accept("waiting for the replicas to catch up: " + problems.get(0)
                            + (problems.size() > 1 ? " (+" + (problems.size() - 1) + " more)" : ""));
                    nextReport = System.nanoTime() + 5_000_000_000L;
                }
            }
            Thread.sleep(500);
        }
        return problems;
    }

    static String describe(List<ShardState> shards) {
        StringBuilder sb = new StringBuilder();
        for (ShardState s : shards) {
            sb.append(sb.length() == 0 ? "" : "; ").append(s.getShardId()).append(": primary ").append(s.getPrimary())
                    .append(" replicas ").append(s.getReplicasList()).append(" sync ").append(s.getSyncSetList());
        }
        return sb.toString();
    }

    private static Thread ticker(Ledger ledger, Consumer<String> progress) {
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            try {
                while (true) {
                    Thread.sleep(10_000);
                    progress.accept(String.format("t+%6.1fs  writes: %s", (System.nanoTime() - start) / 1e9,
                            ledger.summary()));
                }
            } catch (InterruptedException e) {
                // done
            }
        }, "chaos-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
