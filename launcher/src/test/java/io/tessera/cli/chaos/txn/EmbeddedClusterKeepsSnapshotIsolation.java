package io.tessera.cli.chaos.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.cli.chaos.bank.BankState;
import io.tessera.cli.chaos.bank.BankWorkload;
import io.tessera.cli.chaos.bank.Verdict;
import io.tessera.cli.chaos.history.Anomaly;
import io.tessera.cli.chaos.history.ListAppendWorkload;
import io.tessera.cli.chaos.history.SnapshotIsolationChecker;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transactions on a healthy embedded cluster (3 nodes, tables of 4 shards x 3 replicas), through the
 * driver: the bank (concurrent transfers across shards, readers summing every balance in one
 * transaction, the ledger replayed against the final balances) and the list-append history checked
 * for snapshot isolation anomalies. The faulty variant, with processes killed, is
 * {@code TransactionsSurviveKillsOfPrimariesAndCoordinators}.
 */
class EmbeddedClusterKeepsSnapshotIsolation {
    /** One cluster per test, stopped when its last connection closes (a keeper connection spans the test). */
    private static final String BANK_URL = "jdbc:tessera:mem:txn-bank;close_delay=0";
    private static final String LISTS_URL = "jdbc:tessera:mem:txn-lists;close_delay=0";
    private static final String SHARDS = "SHARDS 4 REPLICAS 3";
    private static final Duration RUN = Duration.ofSeconds(10);

    @Test
    @Timeout(120)
    void transfersKeepTheBankTotalInEveryReadAndInTheLedger() throws Exception {
        try (Connection keeper = DriverManager.getConnection(BANK_URL)) {
            bank();
        }
    }

    private void bank() throws Exception {
        BankWorkload bank = new BankWorkload(BANK_URL, new BankWorkload.Settings(30, 1000, 4, 2, 100, SHARDS), 7);
        bank.createAndLoad();
        bank.start();
        Thread.sleep(RUN.toMillis());
        List<String> stuck = bank.stop(Duration.ofSeconds(30));
        BankState fin = bank.readFinalState(Duration.ofSeconds(30));
        List<Verdict> verdicts = bank.checker().check(bank.transfers(), bank.reads(), fin);
        String report = bank.summary() + "\nerrors: " + bank.errors() + "\n" + String.join("\n",
                verdicts.stream().map(Verdict::toString).toList());
        System.out.println(report);
        assertThat(stuck).as(report).isEmpty();
        assertThat(verdicts).as(report).allMatch(Verdict::passed);
        assertThat(bank.count(Outcome.COMMITTED)).as(report).isGreaterThanOrEqualTo(10);
        assertThat(bank.reads()).as(report).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    @Timeout(120)
    void listAppendHistoryShowsNoSnapshotIsolationAnomaly() throws Exception {
        try (Connection keeper = DriverManager.getConnection(LISTS_URL)) {
            lists();
        }
    }

    private void lists() throws Exception {
        ListAppendWorkload lists = new ListAppendWorkload(LISTS_URL, new ListAppendWorkload.Settings(6, 6, 30, 4, SHARDS), 7);
        lists.createTable();
        lists.start();
        Thread.sleep(RUN.toMillis());
        List<String> stuck = lists.stop(Duration.ofSeconds(30));
        Map<Long, List<Long>> fin = lists.readFinalState(Duration.ofSeconds(30));
        List<Anomaly> anomalies = SnapshotIsolationChecker.check(lists.history(), fin);
        String report = lists.summary() + "\nerrors: " + lists.errors() + "\nfinal state read: " + (fin != null)
                + "\n" + String.join("\n", anomalies.stream().limit(30).map(Anomaly::toString).toList());
        System.out.println(report);
        assertThat(stuck).as(report).isEmpty();
        assertThat(fin).as(report).isNotNull();
        assertThat(anomalies).as(report).isEmpty();
        assertThat(lists.history().stream().filter(t -> t.outcome() == Outcome.COMMITTED).count()).as(report)
                .isGreaterThanOrEqualTo(10);
    }
}
