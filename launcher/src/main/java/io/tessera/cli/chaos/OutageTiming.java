package io.tessera.cli.chaos;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * What writes and reads see when the control plane fails (docs/failover.md): a cluster of 3 nodes
 * and 2 coordinators, a 3-shard table with 3 replicas, one client inserting in a loop, one
 * counting the table's rows in a loop (a read of every shard, at one snapshot), and one running
 * transfers between accounts on several shards in explicit transactions ({@link ProbeTransfers}).
 * Two experiments:
 * <ul>
 *   <li><b>coordinator crash</b>: {@code kill -9} the leading coordinator, measure the time until an
 *       insert that started after the kill is acknowledged (every insert needs a commit timestamp
 *       from the leader), restart it as a standby; {@code rounds} times;</li>
 *   <li><b>ZooKeeper pause</b>: {@code SIGSTOP} ZooKeeper for each of {@code pauses}, then
 *       {@code SIGCONT}; report the inserts acknowledged during the pause and the slowest insert in
 *       flight during it, and what reads and transfers started during it saw.</li>
 * </ul>
 */
public final class OutageTiming {
    private static final String TABLE = "OUTAGE_PROBE";
    private static final String ACCOUNTS = "OUTAGE_ACCOUNTS";
    private static final String JOURNAL = "OUTAGE_JOURNAL";
    private static final int ACCOUNT_COUNT = 8;
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The oracle's lease under a stopped ZooKeeper: 75% of the coordinators' 10 s session. */
    private static final Duration ORACLE_LEASE = Duration.ofMillis(7_500);

    public record Settings(Path dir, int rounds, List<Duration> pauses, String durability, Duration startTimeout) {}

    public record Result(List<Double> coordinatorKillSeconds, List<String> pauseLines, List<String> failures) {
        public boolean ok() {
            return failures.isEmpty();
        }

        public String summary() {
            StringBuilder b = new StringBuilder();
            if (!coordinatorKillSeconds.isEmpty()) {
                double[] k = coordinatorKillSeconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                b.append(String.format("%d kills of the leading coordinator: first write started after the kill"
                                + " acknowledged after median %.2f s, max %.2f s (min %.2f s)%n", k.length,
                        FailoverTiming.quantile(k, 0.5), k[k.length - 1], k[0]));
            }
            pauseLines.forEach(l -> b.append(l).append(System.lineSeparator()));
            return b.toString();
        }
    }

    private OutageTiming() {}

    public static Result run(Settings s, Consumer<String> out) throws Exception {
        List<Double> kills = new ArrayList<>();
        List<String> pauses = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        out.accept("starting the cluster in " + s.dir().toAbsolutePath());
        try (FaultCluster cluster = FaultCluster.start(new FaultCluster.Settings(s.dir(), 3, 2, s.durability(),
                s.startTimeout()))) {
            ProbeTransfers transfers = new ProbeTransfers(cluster.jdbcUrl(), ACCOUNTS, JOURNAL, ACCOUNT_COUNT);
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl()); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, written_at BIGINT NOT NULL)"
                        + " SHARDS 3 REPLICAS 3");
                transfers.createTables(st, 3);
            }
            ProbeWriter writer = new ProbeWriter(cluster.jdbcUrl(), TABLE);
            writer.start();
            ProbeReader reader = new ProbeReader(cluster.jdbcUrl(), TABLE, writer::successes);
            reader.start();
            transfers.start();
            try {
                for (int round = 1; round <= s.rounds() && failures.isEmpty(); round++) {
                    killLeader(cluster, writer, round, kills, failures, out);
                }
                Member zk = cluster.members().stream().filter(m -> m.role() == Member.Role.ZOOKEEPER)
                        .findFirst().orElseThrow();
                for (Duration pause : s.pauses()) {
                    if (!failures.isEmpty()) {
                        break;
                    }
                    pauseZooKeeper(zk, pause, writer, reader, transfers, pauses, failures, out);
                }
            } finally {
                reader.stop();
                writer.stop();
                transfers.stop();
            }
            out.accept("transfers: " + transfers.committed() + " committed, " + transfers.uncertain()
                    + " commits with an unknown outcome");
            checkTransfers(cluster, transfers, failures);
            out.accept("writer: " + writer.successes() + " inserts acknowledged, " + writer.errors() + " failed");
            out.accept("reader: " + reader.successes() + " counts, " + reader.errors() + " failed");
            List<ProbeReader.Read> missed = reader.missedInserts();
            if (!missed.isEmpty()) {
                failures.add(missed.size() + " reads counted fewer rows than the inserts acknowledged before"
                        + " they began, e.g. " + missed.get(0));
            }
            cluster.stopGracefully();
        }
        return new Result(kills, pauses, failures);
    }

    private static void killLeader(FaultCluster cluster, ProbeWriter writer, int round, List<Double> kills,
                                   List<String> failures, Consumer<String> out) throws Exception {
        if (!writer.awaitSuccessAfter(System.nanoTime(), WAIT)) {
            failures.add("round " + round + ": no write before the kill; last error " + writer.lastError());
            return;
        }
        Optional<Member> leader = cluster.view().leaderCoordinator().flatMap(cluster::coordinator);
        if (leader.isEmpty()) {
            failures.add("round " + round + ": no leading coordinator");
            return;
        }
        long t0 = System.nanoTime();
        leader.get().kill();
        OptionalLong ack = writer.firstAckNotFromTheDead(t0, Long.MAX_VALUE, WAIT);
        if (ack.isEmpty()) {
            failures.add("round " + round + ": no write within " + WAIT.toSeconds() + " s after killing "
                    + leader.get().name() + "; last error " + writer.lastError());
        } else {
            double seconds = (ack.getAsLong() - t0) / 1e9;
            kills.add(seconds);
            out.accept(String.format("round %2d: kill -9 %s (leading coordinator): first write after %.3f s",
                    round, leader.get().name(), seconds));
        }
        leader.get().start();
        Thread.sleep(3_000); // let it join the election as a standby before the next kill
    }

    /** After the run: transfers were atomic (balances add up, one journal row per committed transfer). */
    private static void checkTransfers(FaultCluster cluster, ProbeTransfers transfers, List<String> failures)
            throws Exception {
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl()); Statement st = c.createStatement()) {
            long sum = Queries.single(st, "SELECT SUM(balance) FROM " + ACCOUNTS);
            if (sum != ACCOUNT_COUNT * ProbeTransfers.OPENING_BALANCE) {
                failures.add("the balances add up to " + sum + ", not " + ACCOUNT_COUNT * ProbeTransfers.OPENING_BALANCE);
            }
            long rows = Queries.single(st, "SELECT COUNT(*) FROM " + JOURNAL);
            if (rows < transfers.committed() || rows > transfers.committed() + transfers.uncertain()) {
                failures.add("the journal holds " + rows + " rows for " + transfers.committed()
                        + " committed transfers (" + transfers.uncertain() + " uncertain)");
            }
        }
    }

    private static void pauseZooKeeper(Member zk, Duration pause, ProbeWriter writer, ProbeReader reader,
                                       ProbeTransfers transfers, List<String> lines, List<String> failures,
                                       Consumer<String> out)
            throws Exception {
        if (!writer.awaitSuccessAfter(System.nanoTime(), WAIT)) {
            failures.add("before a ZooKeeper pause: no write; last error " + writer.lastError());
            return;
        }
        long t0 = System.nanoTime();
        zk.pause();
        Thread.sleep(pause.toMillis());
        zk.resume();
        long t1 = System.nanoTime();
        if (!writer.awaitSuccessAfter(t1, WAIT)) {
            failures.add("after a ZooKeeper pause of " + pause.toMillis() + " ms: no write within "
                    + WAIT.toSeconds() + " s; last error " + writer.lastError());
            return;
        }
        if (!reader.awaitReadAfter(t1, WAIT)) {
            failures.add("after a ZooKeeper pause of " + pause.toMillis() + " ms: no read within "
                    + WAIT.toSeconds() + " s");
            return;
        }
        ProbeWriter.Window w = writer.window(t0, t1);
        ProbeReader.Window r = reader.window(t0, t0 + ORACLE_LEASE.toNanos(), t1);
        ProbeTransfers.Window x = transfers.window(t0, t1);
        ProbeTransfers.Window late = transfers.window(t0 + ORACLE_LEASE.toNanos(), t1);
        String line = String.format("ZooKeeper SIGSTOPped for %.1f s: %d inserts acknowledged meanwhile,"
                + " slowest insert in flight %.2f s; %d multi-shard reads started meanwhile succeeded (%d after"
                + " the oracle's %.1f s lease), %d failed%s, slowest %.2f s; %d transfers committed (%d after the"
                + " lease), %d failed%s, slowest %.2f s",
                pause.toMillis() / 1e3, w.acknowledged(), w.longestInsertSeconds(), r.succeeded(),
                r.succeededLate(), ORACLE_LEASE.toMillis() / 1e3, r.failures().size(),
                r.failures().isEmpty() ? "" : " (first: " + r.failures().get(0).error() + ")",
                r.slowestSeconds(), x.committed(), late.committed(), x.failures().size(),
                x.failures().isEmpty() ? "" : " (first: " + x.failures().get(0).error() + ")", x.slowestSeconds());
        lines.add(line);
        out.accept(line);
        Thread.sleep(5_000); // sessions settle before the next experiment
    }
}
