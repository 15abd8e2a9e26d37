package io.tessera.cli.chaos.bank;

import java.util.Map;

/** What the database holds after the workload stopped: every account's balance and the ledger rows. */
public record BankState(Map<Integer, Long> balances, Map<Long, LedgerRow> ledger) {
    public BankState {
        balances = Map.copyOf(balances);
        ledger = Map.copyOf(ledger);
    }
}
