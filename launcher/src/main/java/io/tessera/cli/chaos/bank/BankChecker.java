package io.tessera.cli.chaos.bank;

import io.tessera.cli.chaos.txn.Outcome;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bank invariants. Accounts start with the same balance and transfers only move money, so:
 * every read of all balances inside one transaction sums to the total and sees no negative balance
 * (a snapshot; under snapshot isolation the check "balance >= amount" of a transfer cannot be
 * defeated, since two transfers from one account write the same row); the ledger table holds every
 * committed transfer and no aborted one; and replaying the ledger table from the initial balances
 * gives exactly the final balances (a transfer is atomic: its ledger row and both updates, or nothing).
 *
 * <p>A transfer whose {@code commit()} failed for an unknown reason is judged by the ledger table:
 * its row there means it committed, and then its updates must be in the balances too.
 */
public final class BankChecker {
    private final int accounts;
    private final long initialBalance;

    public BankChecker(int accounts, long initialBalance) {
        this.accounts = accounts;
        this.initialBalance = initialBalance;
    }

    public long total() {
        return accounts * initialBalance;
    }

    /** Every check, in a fixed order; {@code finalState} is null when it could not be read. */
    public List<Verdict> check(List<Transfer> transfers, List<BalanceRead> reads, BankState finalState) {
        List<Verdict> verdicts = new ArrayList<>();
        verdicts.add(new Verdict("every read of all balances in one transaction sees every account, no negative "
                + "balance, and the total " + total(), readViolations(reads)));
        if (finalState == null) {
            verdicts.add(new Verdict("the final state can be read", List.of("it could not be read")));
            return verdicts;
        }
        verdicts.add(new Verdict("the final balances sum to the total " + total() + ", none negative",
                balanceViolations("final state", finalState.balances())));
        verdicts.add(new Verdict("the ledger table holds every committed transfer, no aborted one, "
                + "and only rows as attempted", ledgerViolations(transfers, finalState.ledger())));
        verdicts.add(new Verdict("the final balances equal the replay of the ledger table from the initial balances",
                replayViolations(finalState)));
        return verdicts;
    }

    private List<String> readViolations(List<BalanceRead> reads) {
        List<String> out = new ArrayList<>();
        for (BalanceRead r : reads) {
            for (String v : balanceViolations("read " + r.id(), r.balances())) {
                out.add(v);
            }
        }
        return out;
    }

    private List<String> balanceViolations(String what, Map<Integer, Long> balances) {
        List<String> out = new ArrayList<>();
        if (balances.size() != accounts) {
            out.add(what + ": " + balances.size() + " accounts instead of " + accounts);
        }
        long sum = 0;
        for (Map.Entry<Integer, Long> e : new TreeMap<>(balances).entrySet()) {
            sum += e.getValue();
            if (e.getValue() < 0) {
                out.add(what + ": account " + e.getKey() + " has a negative balance " + e.getValue());
            }
        }
        if (sum != total()) {
            out.add(what + ": balances sum to " + sum + ", not " + total() + " (" + new TreeMap<>(balances) + ")");
        }
        return out;
    }

    private static List<String> ledgerViolations(List<Transfer> transfers, Map<Long, LedgerRow> ledger) {
        List<String> out = new ArrayList<>();
        Map<Long, Transfer> byId = new HashMap<>();
        for (Transfer t : transfers) {
            byId.put(t.id(), t);
            boolean stored = ledger.containsKey(t.id());
            if (t.outcome() == Outcome.COMMITTED && !stored) {
                out.add("committed transfer " + t + " is not in the ledger table");
            } else if (t.outcome() == Outcome.ABORTED && stored) {
                out.add("aborted transfer " + t + " is in the ledger table");
            }
        }
        for (LedgerRow row : new TreeMap<>(ledger).values()) {
            Transfer t = byId.get(row.id());
            if (t == null) {
                out.add("ledger row " + row + " was never attempted");
            } else if (!t.row().equals(row)) {
                out.add("ledger row " + row + " differs from the transfer attempted: " + t);
            }
        }
        return out;
    }

    private List<String> replayViolations(BankState state) {
        Map<Integer, Long> expected = new TreeMap<>();
        for (int a = 0; a < accounts; a++) {
            expected.put(a, initialBalance);
        }
        for (LedgerRow row : state.ledger().values()) {
            expected.merge(row.from(), -row.amount(), Long::sum);
            expected.merge(row.to(), row.amount(), Long::sum);
        }
        List<String> out = new ArrayList<>();
        expected.forEach((account, balance) -> {
            Long actual = state.balances().get(account);
            if (actual == null || actual.longValue() != balance) {
                out.add("account " + account + ": balance " + actual + ", replay of the ledger gives " + balance);
            }
        });
        state.balances().keySet().stream().filter(a -> !expected.containsKey(a))
                .forEach(a -> out.add("account " + a + " was never created"));
        return out;
    }
}
