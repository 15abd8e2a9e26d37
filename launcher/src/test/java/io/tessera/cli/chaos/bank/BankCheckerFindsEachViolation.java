package io.tessera.cli.chaos.bank;

import io.tessera.cli.chaos.txn.Outcome;
import static org.assertj.core.api.Assertions.assertThat;


import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Synthetic bank histories, valid or broken in one known way; the checker must tell which. */
class BankCheckerFindsEachViolation {
    private final BankChecker checker = new BankChecker(3, 100);

    private static Transfer t(long id, int from, int to, long amount, Outcome outcome) {
        return new Transfer(id, from, to, amount, outcome, outcome == Outcome.COMMITTED ? null : "x");
    }

    private static Map<Long, LedgerRow> ledger(Transfer... ts) {
        java.util.HashMap<Long, LedgerRow> m = new java.util.HashMap<>();
        for (Transfer t : ts) {
            m.put(t.id(), t.row());
        }
        return m;
    }

    private static List<String> failed(List<Verdict> verdicts) {
        return verdicts.stream().filter(v -> !v.passed()).map(Verdict::check).toList();
    }

    @Test
    void aConsistentRunPasses() {
        Transfer t1 = t(1, 0, 1, 30, Outcome.COMMITTED);
        Transfer t2 = t(2, 1, 2, 50, Outcome.ABORTED);
        Transfer t3 = t(3, 2, 0, 10, Outcome.INDETERMINATE); // committed after all: its row is there
        Transfer t4 = t(4, 2, 1, 10, Outcome.INDETERMINATE); // did not commit
        List<BalanceRead> reads = List.of(new BalanceRead(1, Map.of(0, 100L, 1, 100L, 2, 100L)),
                new BalanceRead(2, Map.of(0, 70L, 1, 130L, 2, 100L)));
        BankState fin = new BankState(Map.of(0, 80L, 1, 130L, 2, 90L), ledger(t1, t3));
        List<Verdict> v = checker.check(List.of(t1, t2, t3, t4), reads, fin);
        assertThat(v).allMatch(Verdict::passed).hasSize(4);
    }

    @Test
    void aReadWithTheWrongSumFails() {
        // A reader that saw the debit of a transfer but not its credit: not one snapshot.
        List<BalanceRead> reads = List.of(new BalanceRead(7, Map.of(0, 70L, 1, 100L, 2, 100L)));
        List<Verdict> v = checker.check(List.of(), reads, new BankState(Map.of(0, 100L, 1, 100L, 2, 100L), Map.of()));
        assertThat(failed(v)).hasSize(1).first().asString().startsWith("every read of all balances");
        assertThat(v.get(0).violations()).first().asString().contains("read 7").contains("sum to 270");
    }

    @Test
    void aNegativeBalanceOrAMissingAccountFails() {
        List<BalanceRead> reads = List.of(new BalanceRead(1, Map.of(0, -10L, 1, 210L, 2, 100L)),
                new BalanceRead(2, Map.of(0, 200L, 1, 100L)));
        List<Verdict> v = checker.check(List.of(), reads, null);
        assertThat(v.get(0).violations()).anyMatch(s -> s.contains("negative balance -10"))
                .anyMatch(s -> s.contains("2 accounts instead of 3"));
        assertThat(failed(v)).hasSize(2); // and the final state is missing
    }

    @Test
    void aLostCommittedTransferFails() {
        Transfer t1 = t(1, 0, 1, 30, Outcome.COMMITTED);
        BankState fin = new BankState(Map.of(0, 100L, 1, 100L, 2, 100L), Map.of());
        assertThat(failed(checker.check(List.of(t1), List.of(), fin))).containsExactly(
                "the ledger table holds every committed transfer, no aborted one, and only rows as attempted");
    }

    @Test
    void anAbortedTransferThatTookEffectFails() {
        Transfer t1 = t(1, 0, 1, 30, Outcome.ABORTED);
        BankState fin = new BankState(Map.of(0, 70L, 1, 130L, 2, 100L), ledger(t1));
        assertThat(failed(checker.check(List.of(t1), List.of(), fin))).containsExactly(
                "the ledger table holds every committed transfer, no aborted one, and only rows as attempted");
    }

    @Test
    void aHalfAppliedTransferFailsTheReplay() {
        // The ledger row and the debit committed, the credit did not: money vanished.
        Transfer t1 = t(1, 0, 1, 30, Outcome.COMMITTED);
        BankState fin = new BankState(Map.of(0, 70L, 1, 100L, 2, 100L), ledger(t1));
        List<String> f = failed(checker.check(List.of(t1), List.of(), fin));
        assertThat(f).contains("the final balances equal the replay of the ledger table from the initial balances");
        assertThat(f).anyMatch(s -> s.startsWith("the final balances sum to"));
    }

    @Test
    void aLostUpdateBetweenTwoTransfersFailsTheReplay() {
        // Both transfers read account 0 at 100 and wrote 100 - amount: one debit is lost, money appears.
        Transfer t1 = t(1, 0, 1, 30, Outcome.COMMITTED);
        Transfer t2 = t(2, 0, 2, 20, Outcome.COMMITTED);
        BankState fin = new BankState(Map.of(0, 80L, 1, 130L, 2, 120L), ledger(t1, t2));
        assertThat(failed(checker.check(List.of(t1, t2), List.of(), fin))).containsExactly(
                "the final balances sum to the total 300, none negative",
                "the final balances equal the replay of the ledger table from the initial balances");
    }
}
