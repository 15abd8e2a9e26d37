package io.tessera.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.cli.chaos.bank.BankState;
import io.tessera.cli.chaos.bank.BankWorkload;
import io.tessera.cli.chaos.bank.LedgerRow;
import io.tessera.cli.chaos.bank.Transfer;
import io.tessera.cli.chaos.bank.TransferClient;
import io.tessera.cli.chaos.bank.TransferHistory;
import io.tessera.cli.chaos.bank.TransferListener;
import io.tessera.cli.chaos.bank.Verdict;
import io.tessera.cli.chaos.txn.Outcome;
import io.tessera.cli.chaos.txn.TransactionRunner;
import io.tessera.protocol.proto.TableSchema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A client killed with {@code kill -9} in the middle of a transfer (the JDBC driver embeds the
 * frontend, so the frontend dies with it) never leaves half a transfer behind, and the locks it
 * leaves are resolved by whoever meets them. One cluster of real processes for the class
 * (ZooKeeper, a coordinator, 3 shard nodes; bank tables of 4 shards x 3 replicas, accounts on every
 * shard); the transfer clients are processes of their own ({@link TransferClients}) that record
 * every step to a history file, so after a kill the test knows which transfer was in flight and
 * whether {@code commit()} had been called.
 *
 * <ul>
 *   <li>Two deterministic crash points, through the test-only hook {@code tessera.test.haltAfter}
 *       in {@code TwoPhaseCommit}: a client dead after prewriting on several shards must end
 *       rolled back, by a reader once the locks' TTL is over; one dead right after its primary's
 *       commit point must end fully committed, the secondary locks rolled forward by the next
 *       reader.</li>
 *   <li>Clients killed at random moments of their transfers ({@link ClientNemesis}: aimed in the
 *       statements or inside {@code commit()}), each replaced by a new process, while readers sum
 *       every balance in REPEATABLE READ transactions; then every remaining client is killed, a
 *       writer moves money out of every account (meeting the dead clients' locks), and the bank
 *       checker judges every transfer: acknowledged ones must be in the ledger, ones killed before
 *       {@code commit()} must not, ones killed inside it count as committed iff their ledger row
 *       exists; and the ledger must replay to the final balances.</li>
 *   <li>At the end every process is stopped and the replica files are read: no lock is left on any
 *       replica.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES) // a hung run must not hang the build
class ClientsKilledMidTransactionNeverBreakAtomicity {
    private static final int ACCOUNTS = 32;
    private static final long INITIAL_BALANCE = 1000;
    private static final long MAX_AMOUNT = 100;
    /** The driver's default txnTtlMs: locks of a dead client live this long after its last heartbeat. */
    private static final Duration LOCK_TTL = Duration.ofMillis(3000);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** How long clients are killed and replaced, from the moment the first has finished a transfer. */
    private static final Duration KILLING = Duration.ofSeconds(25);
    /** Transfer client processes running at once. */
    private static final int CLIENTS = 2;
    private static final String HALT = "tessera.test.haltAfter";
    private static final Pattern HALTED = Pattern.compile("halting the JVM in the commit of transaction (\\d+)");

    private final long seed = Long.getLong("tessera.chaos.seed", System.nanoTime());
    private Path dir;
    private FaultCluster cluster;
    private BankWorkload bank;
    private TransferClients clients;

    @BeforeAll
    void startClusterAndLoadTheBank() throws Exception {
        dir = Path.of("target", "chaos", "client-kills-" + System.currentTimeMillis()).toAbsolutePath();
        progress("seed " + seed + ", cluster in " + dir);
        cluster = FaultCluster.start(new FaultCluster.Settings(dir, 3, 1, "sync", Duration.ofSeconds(120)));
        // Transfers run in the client processes; this JVM only reads (two REPEATABLE READ readers).
        bank = new BankWorkload(cluster.jdbcUrl(),
                new BankWorkload.Settings(ACCOUNTS, INITIAL_BALANCE, 0, 2, MAX_AMOUNT, "SHARDS 4 REPLICAS 3"), seed);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                bank.createAndLoad();
                break;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
        clients = new TransferClients(cluster, ACCOUNTS, MAX_AMOUNT, seed);
    }

    @Test
    @Order(1)
    void aClientDeadAfterPrewritingOnSeveralShardsIsRolledBackByAReaderOnceItsLocksExpire() throws Exception {
        BankState before = bank.readFinalState(PATIENCE);
        Halted h = runUntilHalted("prewrite");
        BankState during = bank.readFinalState(PATIENCE);
        assertThat(during).as("a reader passes the live locks of the dead client").isNotNull();
        assertThat(during.ledger()).as("right after the crash").doesNotContainKey(h.transfer().id());
        assertThat(sum(during.balances())).isEqualTo(ACCOUNTS * INITIAL_BALANCE);

        Thread.sleep(LOCK_TTL.toMillis() + 1000);
        BankState after = bank.readFinalState(PATIENCE);
        assertThat(after).isNotNull();
        assertThat(after.ledger()).as("the transfer halted before commit: rolled back").doesNotContainKey(h.transfer().id());
        assertThat(after.balances()).as("the balances before, plus the client's acknowledged transfers only")
                .isEqualTo(replay(before.balances(), h.history(), null));
        assertThat(AbandonedTransactions.rolledBack(cluster))
                .as("the reader found transaction %d expired at its primary's shard and rolled it back", h.startTs())
                .contains(h.startTs());
        progress("halt after prewrite: transfer " + h.transfer() + " (transaction " + h.startTs()
                + ") rolled back by a reader after its TTL");
    }

    @Test
    @Order(2)
    void aClientDeadAfterTheCommitPointIsRolledForwardByTheNextReader() throws Exception {
        BankState before = bank.readFinalState(PATIENCE);
        Halted h = runUntilHalted("primaryCommit");
        // No wait for the TTL: the primary's shard knows the transaction committed.
        BankState after = bank.readFinalState(PATIENCE);
        assertThat(after).isNotNull();
        assertThat(after.ledger()).as("the transfer passed its commit point: committed")
                .containsEntry(h.transfer().id(), h.transfer().row());
        assertThat(after.balances()).as("the balances before, plus the acknowledged transfers and the halted one")
                .isEqualTo(replay(before.balances(), h.history(), h.transfer()));
        assertThat(sum(after.balances())).isEqualTo(ACCOUNTS * INITIAL_BALANCE);
        assertThat(AbandonedTransactions.rolledBack(cluster)).as("a committed transaction is never rolled back")
                .doesNotContain(h.startTs());
        progress("halt after the primary's commit: transfer " + h.transfer() + " (transaction " + h.startTs()
                + ") rolled forward by the next reader");
    }

    @Test
    @Order(3)
    void transfersOfClientsKilledAtRandomCommitEntirelyOrNotAtAll() throws Exception {
        Set<Long> rolledBackBefore = AbandonedTransactions.rolledBack(cluster);
        bank.start();
        ClientNemesis nemesis = new ClientNemesis(clients, CLIENTS, seed, this::progress);
        nemesis.start();
        nemesis.run(KILLING);
        nemesis.killAll();
        progress(nemesis.summary());

        // A writer through every account right away: it meets whatever locks the clients just killed
        // left, waits for them (40001 after lockWaitTimeoutMs, retried) until they expire, and
        // resolves them. Each transfer must end committed: nobody waits forever.
        List<Transfer> sweep = new ArrayList<>();
        AtomicLong ids = new AtomicLong(1);
        TransferListener recordSweep = sweep::add;
        try (TransactionRunner runner = new TransactionRunner(cluster.jdbcUrl(), bank.errors())) {
            TransferClient writer = new TransferClient(ACCOUNTS, MAX_AMOUNT, ids::getAndIncrement,
                    new SplittableRandom(seed), recordSweep);
            for (int a = 0; a < ACCOUNTS; a++) {
                Transfer last = writer.transfer(runner, a, (a + 1) % ACCOUNTS, 1, () -> false);
                assertThat(last == null || last.outcome() == Outcome.COMMITTED)
                        .as("a transfer out of account %d after the kills: %s (errors %s)", a, last, bank.errors())
                        .isTrue();
            }
        }
        // Every lock left by the last kills has expired now: the final read resolves what is left.
        long sinceLastKill = System.nanoTime() - nemesis.lastKillNanos();
        Thread.sleep(Math.max(0, LOCK_TTL.toMillis() + 1000 - sinceLastKill / 1_000_000));
        List<String> stuck = bank.stop(PATIENCE);
        BankState fin = bank.readFinalState(PATIENCE);

        List<TransferHistory> histories = clients.histories();
        List<Transfer> transfers = new ArrayList<>(sweep);
        histories.forEach(h -> transfers.addAll(h.transfers()));
        List<Verdict> verdicts = bank.checker().check(transfers, bank.reads(), fin);

        List<Transfer> unknown = histories.stream().flatMap(h -> h.diedInCommit().stream()).toList();
        long unknownCommitted = unknown.stream().filter(t -> fin != null && fin.ledger().containsKey(t.id())).count();
        List<ClientNemesis.Kill> inFlight = nemesis.kills().stream().filter(k -> k.inFlight() != null).toList();
        List<ClientNemesis.Kill> inCommit = inFlight.stream().filter(ClientNemesis.Kill::diedInCommit).toList();
        long inCommitCommitted = inCommit.stream()
                .filter(k -> fin != null && fin.ledger().containsKey(k.inFlight().id())).count();
        Set<Long> rolledBack = AbandonedTransactions.rolledBack(cluster);
        rolledBack.removeAll(rolledBackBefore);
        String report = String.format("%s; of the %d killed inside commit(), %d committed (ledger row found)%n"
                        + "%d client processes in the class; all transfers: %d acknowledged, %d aborted, %d with an "
                        + "unknown outcome (the crash points' included) of which %d committed; sweep: %d transfers; "
                        + "reads: %d; transactions of dead clients rolled back after their TTL by a reader or writer "
                        + "(nodes' logs, this run): %d; errors %s%n%s",
                nemesis.summary(), inCommit.size(), inCommitCommitted, clients.started().size(),
                count(transfers, Outcome.COMMITTED), count(transfers, Outcome.ABORTED), unknown.size(), unknownCommitted,
                sweep.size(), bank.reads().size(), rolledBack.size(), bank.errors(),
                String.join("\n", verdicts.stream().map(Verdict::toString).toList()));
        progress(report);
        assertThat(stuck).as(report).isEmpty();
        assertThat(nemesis.crashes()).as("clients that exited without being killed: %s", report).isEmpty();
        assertThat(verdicts).as(report).allMatch(Verdict::passed);
        assertThat(inFlight).as("kills that hit a transfer in flight (else this proves nothing): %s", report)
                .isNotEmpty();
        assertThat(histories.stream().mapToLong(h -> h.count(Outcome.COMMITTED)).sum())
                .as("transfers the client processes had acknowledged: %s", report).isGreaterThan(0);
    }

    @AfterAll
    void noLockIsLeftOnAnyReplica() throws Exception {
        if (cluster == null) {
            return;
        }
        try {
            if (clients != null) {
                clients.killAll();
            }
            long accountsTable = tableId(BankWorkload.ACCOUNTS);
            List<String> forced = cluster.stopGracefully();
            assertThat(forced).as("processes that ignored SIGTERM").isEmpty();
            Map<String, Path> nodeDirs = new LinkedHashMap<>();
            cluster.nodes().forEach(m -> nodeDirs.put(m.name(), cluster.dataDir(m.name())));
            List<LeftoverLocks.ReplicaContents> replicas = LeftoverLocks.read(nodeDirs, dir.resolve("audit"));
            progress("replicas at the end: " + replicas);
            assertThat(replicas).as("a replica of every shard of both bank tables on each node").hasSize(3 * 8);
            assertThat(replicas).as("locks left in the replica files").allMatch(r -> r.locks() == 0);
            assertThat(replicas.stream().filter(r -> r.tableId() == accountsTable))
                    .as("accounts on every shard").allMatch(r -> r.rows() > 0);
        } finally {
            cluster.close();
        }
    }

    /** The transfer a client with the halt hook was in when it halted, and its transaction's start_ts. */
    private record Halted(TransferHistory history, Transfer transfer, long startTs) {}

    /** Starts a client with {@code tessera.test.haltAfter=point}; it transfers until one spans several shards. */
    private Halted runUntilHalted(String point) throws Exception {
        TransferClients.Client c = clients.start(List.of("-D" + HALT + "=" + point));
        OptionalInt exit = c.process().awaitExit(PATIENCE);
        if (exit.isEmpty()) {
            c.process().kill();
        }
        String log = Files.readString(c.process().log(), StandardCharsets.UTF_8);
        assertThat(exit).as("%s halted by the hook; its log:%n%s", c.name(), log).hasValue(137);
        TransferHistory history = TransferHistory.read(c.history());
        assertThat(history.diedInCommit()).as("the transfer in flight, inside commit(): %s", history).hasSize(1);
        Matcher m = HALTED.matcher(log);
        assertThat(m.find()).as("the hook's log line in %s", log).isTrue();
        progress(c.name() + " halted after " + point + " with transfer " + history.diedInCommit().get(0)
                + " in flight, after " + history.count(Outcome.COMMITTED) + " acknowledged transfers");
        return new Halted(history, history.diedInCommit().get(0), Long.parseLong(m.group(1)));
    }

    /** {@code before} plus the acknowledged transfers of {@code history} and {@code plus} (if not null). */
    private static Map<Integer, Long> replay(Map<Integer, Long> before, TransferHistory history, Transfer plus) {
        Map<Integer, Long> out = new HashMap<>(before);
        List<Transfer> applied = new ArrayList<>(history.transfers().stream()
                .filter(t -> t.outcome() == Outcome.COMMITTED).toList());
        if (plus != null) {
            applied.add(plus);
        }
        for (Transfer t : applied) {
            LedgerRow r = t.row();
            out.merge(r.from(), -r.amount(), Long::sum);
            out.merge(r.to(), r.amount(), Long::sum);
        }
        return out;
    }

    private static long sum(Map<Integer, Long> balances) {
        return balances.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long count(List<Transfer> transfers, Outcome outcome) {
        return transfers.stream().filter(t -> t.outcome() == outcome).count();
    }

    private long tableId(String name) throws Exception {
        TableSchema table = cluster.view().table(name)
                .orElseThrow(() -> new IllegalStateException("table " + name + " not in ZooKeeper"));
        return table.getTableId();
    }

    private void progress(String line) {
        System.out.println("[client-kills] " + line);
    }
}
