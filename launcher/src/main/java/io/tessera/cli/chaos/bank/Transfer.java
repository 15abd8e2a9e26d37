package io.tessera.cli.chaos.bank;

import io.tessera.cli.chaos.txn.Outcome;


/**
 * One attempted transfer transaction: move {@code amount} from account {@code from} to {@code to}
 * and record it as row {@code id} of the transfer ledger table, atomically. A retry after 40001 is
 * a new transfer with a new id.
 */
public record Transfer(long id, int from, int to, long amount, Outcome outcome, String error) {
    /** The ledger row it writes. */
    public LedgerRow row() {
        return new LedgerRow(id, from, to, amount);
    }
}
