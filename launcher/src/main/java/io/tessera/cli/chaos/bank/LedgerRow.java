package io.tessera.cli.chaos.bank;

/** A row of the transfer ledger table ({@code BANK_TRANSFERS}), written by the transfer it records. */
public record LedgerRow(long id, int from, int to, long amount) {}
