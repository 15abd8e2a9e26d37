package io.tessera.cli.chaos.bank;

import io.tessera.cli.chaos.txn.TransactionRunner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * One transfer client of the bank: moves a random amount between two random accounts in one
 * transaction (read both balances, skip when the source has too little, write both new balances,
 * insert the transfer's row into the ledger table, commit), and retries a transfer that failed with
 * 40001 as a fresh transaction with a fresh id. Every step is reported to a {@link TransferListener}:
 * the in-process {@link BankWorkload} keeps the outcomes in memory, a client process
 * ({@link TransferClientProcess}) writes them to its history file. Not thread-safe: one per client.
 */
public final class TransferClient {
    /** Attempts of one transfer that fail with 40001 before the client moves on. */
    public static final int MAX_RETRIES = 30;

    private final int accounts;
    private final long maxAmount;
    private final LongSupplier ids;
    private final SplittableRandom random;
    private final TransferListener listener;

    /**
     * @param accounts  accounts (ids 0..n-1)
     * @param maxAmount random transfers move 1..maxAmount
     * @param ids       a fresh transfer id (and ledger row id) for every attempt, unique across clients
     */
    public TransferClient(int accounts, long maxAmount, LongSupplier ids, SplittableRandom random,
                          TransferListener listener) {
        this.accounts = accounts;
        this.maxAmount = maxAmount;
        this.ids = ids;
        this.random = random;
        this.listener = listener;
    }

    /** Random transfers until {@code stopping} turns true. */
    public void run(TransactionRunner runner, BooleanSupplier stopping) throws InterruptedException {
        while (!stopping.getAsBoolean()) {
            int from = random.nextInt(accounts);
            int to = random.nextInt(accounts - 1);
            to = to >= from ? to + 1 : to;
            transfer(runner, from, to, 1 + random.nextLong(maxAmount), stopping);
        }
    }

    /**
     * One transfer, retried as a fresh transaction (with a fresh id) while it fails with 40001.
     * Returns the last attempt, or null when it was skipped for insufficient funds or never tried.
     */
    public Transfer transfer(TransactionRunner runner, int from, int to, long amount, BooleanSupplier stopping)
            throws InterruptedException {
        Transfer last = null;
        for (int attempt = 1; !stopping.getAsBoolean(); attempt++) {
            long id = ids.getAsLong();
            boolean[] skipped = {false};
            listener.begun(id, from, to, amount);
            TransactionRunner.Result r = runner.run(c -> {
                long fromBalance = balance(c, from);
                long toBalance = balance(c, to);
                if (fromBalance < amount) {
                    skipped[0] = true;
                    return;
                }
                setBalance(c, from, fromBalance - amount);
                setBalance(c, to, toBalance + amount);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + BankWorkload.LEDGER
                        + " (id, from_acct, to_acct, amount) VALUES (?, ?, ?, ?)")) {
                    ps.setLong(1, id);
                    ps.setInt(2, from);
                    ps.setInt(3, to);
                    ps.setLong(4, amount);
                    ps.executeUpdate();
                }
                // The runner calls commit() right after the body returns: from here on the
                // transfer may commit, so a client killed now leaves its outcome unknown.
                listener.committing(id);
            });
            if (skipped[0] && r.committed()) {
                listener.skipped(id);
                return null;
            }
            last = new Transfer(id, from, to, amount, r.outcome(), r.error() == null ? null : describe(r.error()));
            listener.finished(last);
            if (!r.retryable()) {
                if (!r.committed()) {
                    Thread.sleep(random.nextInt(50)); // e.g. a failover in progress: do not spin
                }
                return last;
            }
            if (attempt >= MAX_RETRIES) {
                listener.gaveUp(attempt);
                return last;
            }
            Thread.sleep(random.nextInt(1 + Math.min(100, 5 * attempt)));
        }
        return last;
    }

    private static long balance(Connection c, int account) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT balance FROM " + BankWorkload.ACCOUNTS + " WHERE id = ?")) {
            ps.setInt(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("account " + account + " not found");
                }
                return rs.getLong(1);
            }
        }
    }

    private static void setBalance(Connection c, int account, long balance) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + BankWorkload.ACCOUNTS + " SET balance = ? WHERE id = ?")) {
            ps.setLong(1, balance);
            ps.setInt(2, account);
            int n = ps.executeUpdate();
            if (n != 1) {
                throw new IllegalStateException("UPDATE of account " + account + " changed " + n + " rows");
            }
        }
    }

    static String describe(Exception e) {
        return e instanceof SQLException s ? s.getSQLState() + " " + s.getMessage() : e.toString();
    }
}
