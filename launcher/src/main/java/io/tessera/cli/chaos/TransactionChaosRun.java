package io.tessera.cli.chaos;

import io.tessera.cli.chaos.bank.BankState;
import io.tessera.cli.chaos.bank.BankWorkload;
import io.tessera.cli.chaos.bank.Transfer;
import io.tessera.cli.chaos.bank.TransferHistory;
import io.tessera.cli.chaos.bank.Verdict;
import io.tessera.cli.chaos.history.Anomaly;
import io.tessera.cli.chaos.history.ListAppendWorkload;
import io.tessera.cli.chaos.history.SnapshotIsolationChecker;
import io.tessera.cli.chaos.txn.Outcome;
import io.tessera.protocol.proto.TableSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A chaos run of the transaction workloads ({@code tessera chaos --workload bank|list-append|transactions}
 * and {@code TransactionsSurviveKillsOfPrimariesAndCoordinators}): a {@link FaultCluster}, the bank
 * and/or the list-append workload on tables with three replicas per shard, the {@link Nemesis}
 * (primaries killed and restarted, paused, the leading coordinator killed) for a while, then the
 * checks: transactions commit again after the last fault, the bank invariants hold (every read sums
 * to the total, the ledger replays to the final balances), the list-append history shows no
 * snapshot isolation anomaly, the replicas converge, and no process died unless killed. With
 * {@code killedClients > 0} ({@code --kill-clients}) transfer clients also run as processes that
 * the {@link ClientNemesis} kills mid-transfer; their histories join the bank check.
 */
public final class TransactionChaosRun {
    /**
     * @param dir             data and logs (kept afterwards)
     * @param faults          how long the fault loop runs
     * @param bank            run the bank workload
     * @param listAppend      run the list-append workload
     * @param clients         transfer clients of the bank and clients of the list-append workload (each)
     * @param shards          shards of each table (three replicas each)
     * @param nodes           shard node processes (at least 3)
     * @param coordinators    coordinator processes
     * @param durability      {@code sync} or {@code memory}
     * @param seed            seed of the fault choices and the workloads
     * @param startTimeout    for the cluster to come up
     * @param healTimeout     before each fault, for the cluster to heal; after the last, for commits to resume
     * @param convergeTimeout after the faults, for every replica to catch up
     * @param nodeArgs        further {@code tessera node} flags (e.g. {@code --log-retention 200})
     * @param killedClients   with the bank: transfer clients run as processes of their own besides the
     *                        in-process ones, killed with {@code kill -9} mid-transfer and replaced
     *                        ({@link ClientNemesis}) during the faults; 0 = none
     */
    public record Settings(Path dir, Duration faults, boolean bank, boolean listAppend, int clients, int shards,
                           int nodes, int coordinators, String durability, long seed, Duration startTimeout,
                           Duration healTimeout, Duration convergeTimeout, List<String> nodeArgs, int killedClients) {
        public Settings(Path dir, Duration faults, boolean bank, boolean listAppend, int clients, int shards, int nodes,
                        int coordinators, String durability, long seed, Duration startTimeout, Duration healTimeout,
                        Duration convergeTimeout, List<String> nodeArgs) {
            this(dir, faults, bank, listAppend, clients, shards, nodes, coordinators, durability, seed, startTimeout,
                    healTimeout, convergeTimeout, nodeArgs, 0);
        }
    }

    /** The locks of a dead client live this long after its last heartbeat (the driver's default txnTtlMs). */
    private static final Duration LOCK_TTL = Duration.ofSeconds(3);

    private TransactionChaosRun() {}

    public static ChaosReport run(Settings s, Consumer<String> progress) throws Exception {
        ChaosReport report = new ChaosReport();
        report.note("transaction chaos run: " + (s.bank() ? "bank " : "") + (s.listAppend() ? "list-append " : "")
                + "workload, " + s.nodes() + " nodes, " + s.coordinators() + " coordinators, " + s.shards()
                + " shards x 3 replicas per table, " + s.clients() + " clients per workload, faults for "
                + s.faults().toSeconds() + " s, durability " + s.durability() + ", seed " + s.seed() + ", data "
                + s.dir().toAbsolutePath() + (s.bank() && s.killedClients() > 0 ? ", " + s.killedClients()
                + " transfer client processes killed mid-transfer and replaced" : ""));
        progress.accept("starting the cluster in " + s.dir().toAbsolutePath());
        try (FaultCluster cluster = FaultCluster.start(new FaultCluster.Settings(s.dir(), s.nodes(), s.coordinators(),
                s.durability(), s.startTimeout(), s.nodeArgs()))) {
            String url = cluster.jdbcUrl();
            String options = "SHARDS " + s.shards() + " REPLICAS 3";
            BankWorkload.Settings bankSettings = new BankWorkload.Settings(8 * s.shards(), 1000, s.clients(), 2, 100, options);
            BankWorkload bank = s.bank() ? new BankWorkload(url, bankSettings, s.seed()) : null;
            ListAppendWorkload lists = s.listAppend() ? new ListAppendWorkload(url,
                    new ListAppendWorkload.Settings(s.clients(), 2 * s.shards(), 30, 4, options), s.seed()) : null;
            List<Long> tables = new ArrayList<>();
            if (bank != null) {
                retry(bank::createAndLoad, s.startTimeout());
                tables.add(tableId(cluster, BankWorkload.ACCOUNTS));
                tables.add(tableId(cluster, BankWorkload.LEDGER));
            }
            if (lists != null) {
                retry(lists::createTable, s.startTimeout());
                tables.add(tableId(cluster, ListAppendWorkload.TABLE));
            }
            progress.accept("cluster up: JDBC URL " + url + ", tables " + tables);
            LongSupplier committed = () -> (bank == null ? 0 : bank.count(Outcome.COMMITTED))
                    + (lists == null ? 0 : lists.history().stream().filter(t -> t.committed()).count());
            if (bank != null) {
                bank.start();
            }
            if (lists != null) {
                lists.start();
            }
            Thread ticker = ticker(bank, lists, progress);
            Nemesis nemesis = new Nemesis(cluster, tables.get(0), s.seed(), s.healTimeout(), progress);
            TransferClients transferClients = null;
            ClientNemesis clientNemesis = null;
            Thread clientKiller = null;
            if (bank != null && s.killedClients() > 0) {
                transferClients = new TransferClients(cluster, bankSettings.accounts(), bankSettings.maxAmount(), s.seed());
                clientNemesis = new ClientNemesis(transferClients, s.killedClients(), s.seed(),
                        line -> progress.accept("clients: " + line));
                clientNemesis.start();
                clientKiller = clientKiller(clientNemesis, s.faults(), report);
            }
            try {
                Thread.sleep(3000);
                nemesis.run(s.faults());
                if (clientKiller != null) {
                    clientKiller.join();
                    clientNemesis.killAll();
                }
            } finally {
                ticker.interrupt();
                if (clientKiller != null) {
                    clientKiller.interrupt();
                }
                if (transferClients != null) {
                    transferClients.killAll();
                }
            }
            long afterFaults = committed.getAsLong();
            long deadline = System.nanoTime() + s.healTimeout().toNanos();
            Thread.sleep(3000);
            while (committed.getAsLong() == afterFaults && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            report.check("transactions commit again after the last fault", committed.getAsLong() > afterFaults
                    ? List.of() : List.of("none committed within " + s.healTimeout().toSeconds() + " s"));
            List<String> stuck = new ArrayList<>();
            if (bank != null) {
                stuck.addAll(bank.stop(Duration.ofSeconds(60)));
            }
            if (lists != null) {
                stuck.addAll(lists.stop(Duration.ofSeconds(60)));
            }
            report.check("every client returns from its statement within 60 s of the stop", stuck);
            for (Nemesis.Event e : nemesis.events()) {
                report.note(String.format("  fault t+%.1fs %s", e.atSeconds(), e.what()));
            }
            if (bank != null) {
                checkBank(bank, transferClients, clientNemesis, s, report, progress);
            }
            if (lists != null) {
                checkLists(lists, s, report, progress);
            }
            for (long table : tables) {
                List<String> problems = ChaosRun.awaitConverged(cluster, table, s.convergeTimeout(), progress);
                report.check("replicas of table " + table + " catch up after the faults within "
                        + s.convergeTimeout().toSeconds() + " s", problems);
            }
            List<String> crashes = new ArrayList<>(nemesis.crashes());
            for (Member m : cluster.members()) {
                if (!m.alive()) {
                    crashes.add("at the end: " + m.describeExit());
                }
            }
            report.check("no process exited unless killed", crashes);
            progress.accept("stopping every process gracefully");
            List<String> forced = cluster.stopGracefully();
            report.check("every process stops on SIGTERM within 20 s",
                    forced.stream().map(n -> n + " had to be killed").toList());
        }
        return report;
    }

    private static void checkBank(BankWorkload bank, TransferClients transferClients, ClientNemesis clientNemesis,
                                  Settings s, ChaosReport report, Consumer<String> progress)
            throws InterruptedException, IOException {
        progress.accept("bank: " + bank.summary() + "; reading the final state");
        report.note("bank: " + bank.summary());
        bank.errors().summary().forEach((state, what) -> report.note("  bank error " + state + ": " + what));
        List<Transfer> transfers = new ArrayList<>(bank.transfers());
        if (clientNemesis != null) {
            checkKilledClients(transferClients, clientNemesis, transfers, report);
            // The final read resolves every lock the dead clients left: past their TTL, none is read past.
            long sinceLastKill = System.nanoTime() - clientNemesis.lastKillNanos();
            Thread.sleep(Math.max(0, LOCK_TTL.toMillis() + 1000 - sinceLastKill / 1_000_000));
        }
        BankState fin = bank.readFinalState(s.convergeTimeout());
        for (Verdict v : bank.checker().check(transfers, bank.reads(), fin)) {
            report.check("bank: " + v.check(), v.violations());
        }
        if (clientNemesis != null && fin != null) {
            long unknownCommitted = transfers.stream().filter(t -> t.outcome() == Outcome.INDETERMINATE
                    && fin.ledger().containsKey(t.id())).count();
            report.note("  of the transfers with an unknown outcome, " + unknownCommitted + " committed (ledger row found)");
        }
        report.check("bank: transfers committed", bank.count(Outcome.COMMITTED) > 0 ? List.of()
                : List.of("no transfer committed"));
    }

    /** Adds the client processes' transfers to {@code transfers}; notes and checks what the kills hit. */
    private static void checkKilledClients(TransferClients transferClients, ClientNemesis clientNemesis,
                                           List<Transfer> transfers, ChaosReport report) throws IOException {
        List<TransferHistory> histories = transferClients.histories();
        histories.forEach(h -> transfers.addAll(h.transfers()));
        long committed = histories.stream().mapToLong(h -> h.count(Outcome.COMMITTED)).sum();
        long unknown = histories.stream().mapToLong(h -> h.diedInCommit().size()).sum();
        report.note("bank client processes: " + histories.size() + " started, " + clientNemesis.summary() + "; their "
                + "transfers: " + committed + " acknowledged, " + unknown + " with an unknown outcome (died in commit())");
        for (ClientNemesis.Kill k : clientNemesis.kills()) {
            report.note(String.format("  client kill t+%.1fs %s aimed %s: %s", k.atSeconds(), k.client(), k.aimedAt(),
                    k.inFlight() == null ? "nothing in flight" : k.inFlight() + (k.diedInCommit() ? " inside commit()" : "")));
        }
        report.check("bank: client processes exit only when killed", clientNemesis.crashes());
        report.check("bank: a client kill hit a transfer in flight", clientNemesis.kills().stream()
                .anyMatch(k -> k.inFlight() != null) ? List.of() : List.of("no kill hit a transfer in flight"));
    }

    private static Thread clientKiller(ClientNemesis clientNemesis, Duration duration, ChaosReport report) {
        Thread t = new Thread(() -> {
            try {
                clientNemesis.run(duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                report.check("bank: the client kill loop runs", List.of(e.toString()));
            }
        }, "client-nemesis");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void checkLists(ListAppendWorkload lists, Settings s, ChaosReport report, Consumer<String> progress)
            throws InterruptedException {
        progress.accept("list-append: " + lists.summary() + "; reading the final state");
        report.note("list-append: " + lists.summary());
        lists.errors().summary().forEach((state, what) -> report.note("  list-append error " + state + ": " + what));
        Map<Long, List<Long>> fin = lists.readFinalState(s.convergeTimeout());
        report.check("list-append: the final state can be read", fin != null ? List.of() : List.of("it could not be read"));
        List<Anomaly> anomalies = SnapshotIsolationChecker.check(lists.history(), fin);
        Map<Anomaly.Kind, Integer> byKind = new TreeMap<>();
        anomalies.forEach(a -> byKind.merge(a.kind(), 1, Integer::sum));
        report.note("list-append anomalies by kind: " + byKind);
        report.check("list-append: no snapshot isolation anomaly (write skew is allowed and not reported)",
                anomalies.stream().map(Anomaly::toString).toList());
        report.check("list-append: transactions committed", lists.history().stream().anyMatch(t -> t.committed())
                ? List.of() : List.of("no transaction committed"));
    }

    private interface Setup {
        void run() throws SQLException;
    }

    private static void retry(Setup setup, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                setup.run();
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    private static long tableId(FaultCluster cluster, String name) throws Exception {
        TableSchema table = cluster.view().table(name)
                .orElseThrow(() -> new IllegalStateException("table " + name + " not in ZooKeeper"));
        return table.getTableId();
    }

    private static Thread ticker(BankWorkload bank, ListAppendWorkload lists, Consumer<String> progress) {
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            try {
                while (true) {
                    Thread.sleep(10_000);
                    progress.accept(String.format("t+%6.1fs  %s%s", (System.nanoTime() - start) / 1e9,
                            bank == null ? "" : "bank " + bank.summary() + " ",
                            lists == null ? "" : "list-append " + lists.summary()));
                }
            } catch (InterruptedException e) {
                // done
            }
        }, "txn-chaos-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
