package io.tessera.cli.chaos.bank;

import java.util.Map;

/** Every account's balance as one committed read-only transaction saw it. */
public record BalanceRead(long id, Map<Integer, Long> balances) {
    public BalanceRead {
        balances = Map.copyOf(balances);
    }

    public long total() {
        return balances.values().stream().mapToLong(Long::longValue).sum();
    }
}
