package io.tessera.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.sql.meta.CoordinatorClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Separate processes (ZooKeeper, one coordinator, 3 shard nodes) and a client in this JVM that
 * inserts into a table of 4 shards in a loop (one-phase writes) while another connection counts
 * its rows in a loop ({@code SELECT COUNT(*)}: every shard at one snapshot), and a third runs
 * transfers between accounts on different shards in explicit transactions, each also writing a
 * journal row without a primary key. ZooKeeper is stopped with SIGSTOP for 12 s, longer than the
 * timestamp oracle's lease (7.5 s). A watch in this JVM asks the oracle every 200 ms, which shows
 * when it stopped answering. Expected: reads and transactions keep succeeding while the oracle is
 * away (their snapshot comes from the shard primaries, a transaction's identity from the
 * frontend's unique ids), none takes more than a few seconds, every read counts at least the
 * inserts acknowledged before it began, and afterwards the balances still add up and the journal
 * holds a row per committed transfer.
 */
class ReadsAndTransactionsRideOutAZooKeeperStop {
    private static final String TABLE = "COUNTED";
    private static final Duration PAUSE = Duration.ofSeconds(12);
    private static final int ACCOUNTS = 8;
    /** The slowest read accepted while the oracle is away: its 1 s budget, then the shard probe. */
    private static final Duration SLOWEST = Duration.ofSeconds(5);

    @Test
    @Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES) // a hung run must not hang the build
    void readsAndTransactionsGoOnWhileTheOracleIsAway() throws Exception {
        // Under target/, not a temporary directory: the logs are the evidence of a failure.
        Path dir = Path.of("target", "chaos", "zk-stop-" + System.currentTimeMillis()).toAbsolutePath();
        try (FaultCluster cluster = FaultCluster.start(new FaultCluster.Settings(dir, 3, 1, "memory",
                Duration.ofSeconds(120)))) {
            ProbeTransfers transfers = new ProbeTransfers(cluster.jdbcUrl(), "ACCOUNTS", "JOURNAL", ACCOUNTS);
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl()); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, written_at BIGINT NOT NULL)"
                        + " SHARDS 4 REPLICAS 3");
                // Another table: the shard probe asks its primaries too (a transaction's commit
                // point may be recorded on any table's shard).
                st.execute("CREATE TABLE OTHER (id BIGINT PRIMARY KEY) SHARDS 2 REPLICAS 3");
                st.executeUpdate("INSERT INTO OTHER VALUES (1)");
                transfers.createTables(st, 4);
            }
            ProbeWriter writer = new ProbeWriter(cluster.jdbcUrl(), TABLE);
            ProbeReader reader = new ProbeReader(cluster.jdbcUrl(), TABLE, writer::successes);
            try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(cluster.zkConnect())
                    .namespace(ZkPaths.namespace(cluster.cluster())).retryPolicy(new RetryOneTime(100)).build()) {
                zk.start();
                CoordinatorClient coordinator = new CoordinatorClient(zk, Duration.ofSeconds(10),
                        Duration.ofSeconds(5), Duration.ofSeconds(5));
                coordinator.nextTimestamp(); // finds the leader while ZooKeeper runs
                OracleWatch oracle = new OracleWatch(coordinator);
                writer.start();
                reader.start();
                transfers.start();
                oracle.start();
                try {
                    long warm = System.nanoTime();
                    assertThat(writer.awaitSuccessAfter(warm, Duration.ofSeconds(60)))
                            .as("an insert before the stop; last error %s", writer.lastError()).isTrue();
                    assertThat(reader.awaitReadAfter(warm, Duration.ofSeconds(60))).as("a read before the stop")
                            .isTrue();
                    Thread.sleep(1_000);

                    Member zkProcess = cluster.members().stream()
                            .filter(m -> m.role() == Member.Role.ZOOKEEPER).findFirst().orElseThrow();
                    long t0 = System.nanoTime();
                    zkProcess.pause();
                    Thread.sleep(PAUSE.toMillis());
                    zkProcess.resume();
                    long t1 = System.nanoTime();
                    assertThat(reader.awaitReadAfter(t1, Duration.ofSeconds(60))).as("a read after the stop").isTrue();
                    Thread.sleep(1_000);

                    long[] away = oracle.longestOutage(t0, t1);
                    ProbeReader.Window during = reader.window(t0, t0, t1);
                    ProbeReader.Window whileAway = reader.window(away[0], away[0], away[1]);
                    ProbeWriter.Window inserts = writer.window(t0, t1);
                    ProbeTransfers.Window moves = transfers.window(t0, t1);
                    ProbeTransfers.Window movesWhileAway = transfers.window(away[0], away[1]);
                    String summary = String.format("oracle unreachable for %.1f s of the %.0f s stop; reads started"
                                    + " during the stop: %d succeeded, %d failed %s, slowest %.2f s; while the oracle"
                                    + " was unreachable: %d succeeded; inserts acknowledged during the stop: %d;"
                                    + " transfers started during the stop: %d committed (%d while the oracle was"
                                    + " unreachable), %d failed %s, slowest %.2f s; logs in %s",
                            (away[1] - away[0]) / 1e9, PAUSE.toMillis() / 1e3, during.succeeded(),
                            during.failures().size(), firstErrors(during.failures()), during.slowestSeconds(),
                            whileAway.succeeded(), inserts.acknowledged(), moves.committed(),
                            movesWhileAway.committed(), moves.failures().size(),
                            moves.failures().subList(0, Math.min(3, moves.failures().size())), moves.slowestSeconds(),
                            dir);
                    System.out.println("[zk-stop] " + summary);

                    assertThat(away[1] - away[0]).as("the oracle stopped answering for seconds (its lease ran"
                            + " out), else this test shows nothing: %s", summary)
                            .isGreaterThan(Duration.ofSeconds(2).toNanos());
                    assertThat(whileAway.succeeded()).as("reads succeed while the oracle is away: %s", summary)
                            .isGreaterThanOrEqualTo(5);
                    assertThat(during.failures()).as("no read fails during the stop: %s", summary).isEmpty();
                    assertThat(during.slowestSeconds()).as("no read waits for the oracle: %s", summary)
                            .isLessThan(SLOWEST.toMillis() / 1e3);
                    assertThat(inserts.acknowledged()).as("inserts went on meanwhile: %s", summary).isPositive();
                    assertThat(reader.missedInserts()).as("every read counts every insert acknowledged before it"
                            + " began: %s", summary).isEmpty();
                    assertThat(movesWhileAway.committed()).as("transactions commit while the oracle is away: %s",
                            summary).isGreaterThanOrEqualTo(5);
                    assertThat(moves.failures()).as("no transaction fails during the stop (one client: no"
                            + " conflicts): %s", summary).isEmpty();
                    assertThat(moves.slowestSeconds()).as("no transaction waits for the oracle: %s", summary)
                            .isLessThan(SLOWEST.toMillis() / 1e3);
                } finally {
                    oracle.stop();
                    reader.stop();
                    writer.stop();
                    transfers.stop();
                    coordinator.close();
                }
            }
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl()); Statement st = c.createStatement()) {
                assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS")).as("transfers are atomic")
                        .isEqualTo(ACCOUNTS * ProbeTransfers.OPENING_BALANCE);
                assertThat(Queries.single(st, "SELECT COUNT(*) FROM JOURNAL")).as("one journal row per committed transfer")
                        .isBetween((long) transfers.committed(), (long) transfers.committed() + transfers.uncertain());
            }
            cluster.stopGracefully();
        }
    }

    private static String firstErrors(List<ProbeReader.Failure> failures) {
        return failures.isEmpty() ? "" : failures.subList(0, Math.min(3, failures.size())).toString();
    }

    /** Asks the oracle every 200 ms with a short budget and remembers when it did not answer. */
    private static final class OracleWatch {
        private final CoordinatorClient coordinator;
        private final List<long[]> probes = new ArrayList<>(); // {nanoTime, 1 = answered}, guarded by itself
        private volatile boolean stopping;
        private Thread thread;

        OracleWatch(CoordinatorClient coordinator) {
            this.coordinator = coordinator;
        }

        void start() {
            thread = new Thread(() -> {
                while (!stopping) {
                    long at = System.nanoTime();
                    boolean answered;
                    try {
                        coordinator.nextTimestampWithin(Duration.ofMillis(300));
                        answered = true;
                    } catch (RuntimeException e) {
                        answered = false;
                    }
                    synchronized (probes) {
                        probes.add(new long[] {at, answered ? 1 : 0});
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "oracle-watch");
            thread.setDaemon(true);
            thread.start();
        }

        /** The longest run of unanswered probes in [from, to]: {first, last} start times (equal if none). */
        long[] longestOutage(long from, long to) {
            long[] best = {from, from};
            long runStart = -1;
            long runEnd = -1;
            synchronized (probes) {
                for (long[] p : probes) {
                    if (p[0] < from || p[0] > to) {
                        continue;
                    }
                    if (p[1] == 0) {
                        if (runStart < 0) {
                            runStart = p[0];
                        }
                        runEnd = p[0];
                        if (runEnd - runStart > best[1] - best[0]) {
                            best = new long[] {runStart, runEnd};
                        }
                    } else {
                        runStart = -1;
                    }
                }
            }
            return best;
        }

        void stop() throws InterruptedException {
            stopping = true;
            thread.join(5_000);
        }
    }
}
