package io.tessera.cli.chaos.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.cli.chaos.bank.BankWorkload;
import io.tessera.cli.chaos.bank.Verdict;
import io.tessera.cli.chaos.history.Anomaly;
import io.tessera.cli.chaos.history.ListAppendWorkload;
import io.tessera.cli.chaos.history.SnapshotIsolationChecker;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The workloads and checkers against H2 (on the classpath through the shard node), a database with
 * real transactions. Under REPEATABLE READ they must find nothing, so that what they find elsewhere
 * is not an artefact of the workload or the checker; under READ COMMITTED, which allows lost updates,
 * they must find them.
 */
class CheckersTellH2RepeatableReadFromReadCommitted {
    private static final Duration RUN = Duration.ofSeconds(2);

    static String h2(String name) {
        return "jdbc:h2:mem:" + name + "-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=2000";
    }

    static List<Verdict> runBank(String url, int isolation) throws Exception {
        BankWorkload bank = new BankWorkload(url, new BankWorkload.Settings(8, 100, 4, 2, 30, ""), 42, isolation);
        bank.createAndLoad();
        bank.start();
        Thread.sleep(RUN.toMillis());
        assertThat(bank.stop(Duration.ofSeconds(10))).isEmpty();
        assertThat(bank.count(Outcome.COMMITTED)).as(bank.summary()).isGreaterThan(50);
        assertThat(bank.reads()).hasSizeGreaterThan(20);
        System.out.println(bank.summary() + "; errors " + bank.errors());
        return bank.checker().check(bank.transfers(), bank.reads(), bank.readFinalState(Duration.ofSeconds(10)));
    }

    static List<Anomaly> runLists(String url, int isolation) throws Exception {
        ListAppendWorkload lists = new ListAppendWorkload(url, new ListAppendWorkload.Settings(6, 5, 40, 4, ""), 42,
                isolation);
        lists.createTable();
        lists.start();
        Thread.sleep(RUN.toMillis());
        assertThat(lists.stop(Duration.ofSeconds(10))).isEmpty();
        assertThat(lists.history().stream().filter(t -> t.outcome() == Outcome.COMMITTED).count())
                .as(lists.summary()).isGreaterThan(50);
        var fin = lists.readFinalState(Duration.ofSeconds(10));
        long t0 = System.nanoTime();
        List<Anomaly> found = SnapshotIsolationChecker.check(lists.history(), fin);
        System.out.printf("checked %s in %d ms: %d anomalies%n", lists.summary(), (System.nanoTime() - t0) / 1_000_000,
                found.size());
        return found;
    }

    @Test
    void bankInvariantsHoldUnderRepeatableRead() throws Exception {
        assertThat(runBank(h2("bank"), Connection.TRANSACTION_REPEATABLE_READ)).allMatch(Verdict::passed);
    }

    @Test
    void listAppendHistoryIsSnapshotIsolatedUnderRepeatableRead() throws Exception {
        assertThat(runLists(h2("lists"), Connection.TRANSACTION_REPEATABLE_READ)).isEmpty();
    }

    @Test
    void readCommittedLosesUpdatesAndTheCheckersSaySo() throws Exception {
        List<Verdict> bank = runBank(h2("bank-rc"), Connection.TRANSACTION_READ_COMMITTED);
        assertThat(bank).anyMatch(v -> !v.passed());
        List<Anomaly> lists = runLists(h2("lists-rc"), Connection.TRANSACTION_READ_COMMITTED);
        assertThat(lists).extracting(Anomaly::kind).contains(Anomaly.Kind.LOST_UPDATE);
        System.out.println("READ COMMITTED: bank " + bank.stream().filter(v -> !v.passed()).map(Verdict::check).toList()
                + "; list-append " + lists.stream().map(Anomaly::kind).distinct().toList());
    }
}
