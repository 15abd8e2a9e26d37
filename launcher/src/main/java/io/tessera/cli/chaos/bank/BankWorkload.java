package io.tessera.cli.chaos.bank;

import io.tessera.cli.chaos.txn.ClientThreads;
import io.tessera.cli.chaos.txn.ErrorTally;
import io.tessera.cli.chaos.txn.Outcome;
import io.tessera.cli.chaos.txn.TransactionRunner;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The bank workload over plain JDBC, for any database with transactions. Accounts start with the
 * same balance; transfer clients ({@link TransferClient}) move money between two random accounts in
 * one transaction (read both balances, skip when the source has too little, write both new balances,
 * insert a row into the transfer ledger table, commit) and retry a transfer that failed with 40001 as
 * a fresh transaction; reader clients read every balance in one REPEATABLE READ transaction. Every
 * attempt and every committed read is recorded for the {@link BankChecker}. Transfer clients may also
 * run as separate processes ({@link TransferClientProcess}, with zero transfer clients here): their
 * attempts come from their history files ({@link TransferHistory}).
 */
public final class BankWorkload {
    public static final String ACCOUNTS = "BANK_ACCOUNTS";
    public static final String LEDGER = "BANK_TRANSFERS";

    /**
     * @param accounts       accounts (ids 0..n-1)
     * @param initialBalance every account's balance at the start
     * @param transferClients concurrent transfer connections
     * @param readerClients  concurrent reader connections
     * @param maxAmount      transfers move 1..maxAmount
     * @param tableOptions   appended to both CREATE TABLE statements (e.g. Tessera's {@code SHARDS 6 REPLICAS 3})
     */
    public record Settings(int accounts, long initialBalance, int transferClients, int readerClients, long maxAmount,
                           String tableOptions) {}

    private final String url;
    private final Settings settings;
    private final long seed;
    private final int isolation;
    private final ErrorTally errors = new ErrorTally();
    private final ClientThreads clients = new ClientThreads(errors);
    private final List<Transfer> transfers = Collections.synchronizedList(new ArrayList<>());
    private final List<BalanceRead> reads = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong nextTransferId = new AtomicLong(1);
    private final AtomicLong nextReadId = new AtomicLong(1);
    private final AtomicLong insufficientFunds = new AtomicLong();
    private final AtomicLong failedReads = new AtomicLong();
    private final AtomicLong gaveUp = new AtomicLong();
    private final TransferListener recorder = new TransferListener() {
        @Override
        public void finished(Transfer transfer) {
            transfers.add(transfer);
        }

        @Override
        public void skipped(long id) {
            insufficientFunds.incrementAndGet();
        }

        @Override
        public void gaveUp(int attempts) {
            gaveUp.incrementAndGet();
        }
    };

    public BankWorkload(String url, Settings settings, long seed) {
        this(url, settings, seed, Connection.TRANSACTION_REPEATABLE_READ);
    }

    /** With another isolation level than REPEATABLE READ: to show what the checker finds under a weaker one. */
    public BankWorkload(String url, Settings settings, long seed, int isolation) {
        this.url = url;
        this.isolation = isolation;
        this.settings = settings;
        this.seed = seed;
    }

    public BankChecker checker() {
        return new BankChecker(settings.accounts(), settings.initialBalance());
    }

    /** Creates both tables and the accounts (autocommit). */
    public void createAndLoad() throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + ACCOUNTS + " (id INT PRIMARY KEY, balance BIGINT NOT NULL) "
                    + settings.tableOptions());
            s.execute("CREATE TABLE " + LEDGER + " (id BIGINT PRIMARY KEY, from_acct INT NOT NULL, to_acct INT NOT NULL, "
                    + "amount BIGINT NOT NULL) " + settings.tableOptions());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + ACCOUNTS + " (id, balance) VALUES (?, ?)")) {
                for (int a = 0; a < settings.accounts(); a++) {
                    ps.setInt(1, a);
                    ps.setLong(2, settings.initialBalance());
                    ps.executeUpdate();
                }
            }
        }
    }

    public void start() {
        clients.start("bank-transfer", settings.transferClients(), this::transferLoop);
        clients.start("bank-reader", settings.readerClients(), this::readerLoop);
    }

    /** Stops every client; returns the clients still stuck in a statement after {@code wait}. */
    public List<String> stop(Duration wait) throws InterruptedException {
        return clients.stop(wait);
    }

    private void transferLoop(int client, BooleanSupplier stopping) throws InterruptedException {
        TransferClient transferClient = new TransferClient(settings.accounts(), settings.maxAmount(),
                nextTransferId::getAndIncrement, new SplittableRandom(seed * 31 + client), recorder);
        try (TransactionRunner runner = new TransactionRunner(url, isolation, errors)) {
            transferClient.run(runner, stopping);
        }
    }

    private void readerLoop(int client, BooleanSupplier stopping) throws InterruptedException {
        try (TransactionRunner runner = new TransactionRunner(url, isolation, errors)) {
            while (!stopping.getAsBoolean()) {
                Map<Integer, Long> balances = new HashMap<>();
                TransactionRunner.Result r = runner.run(c -> {
                    balances.clear();
                    balances.putAll(readBalances(c));
                });
                if (r.committed()) {
                    reads.add(new BalanceRead(nextReadId.getAndIncrement(), balances));
                } else {
                    failedReads.incrementAndGet();
                    Thread.sleep(20);
                }
            }
        }
    }

    private static Map<Integer, Long> readBalances(Connection c) throws SQLException {
        Map<Integer, Long> balances = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, balance FROM " + ACCOUNTS)) {
            while (rs.next()) {
                if (balances.put(rs.getInt(1), rs.getLong(2)) != null) {
                    throw new IllegalStateException("account " + rs.getInt(1) + " returned twice");
                }
            }
        }
        return balances;
    }

    /** Reads the balances and the ledger table in one transaction, retrying for up to {@code patience}. */
    public BankState readFinalState(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        try (TransactionRunner runner = new TransactionRunner(url, isolation, errors)) {
            while (true) {
                Map<Integer, Long> balances = new HashMap<>();
                Map<Long, LedgerRow> ledger = new HashMap<>();
                TransactionRunner.Result r = runner.run(c -> {
                    balances.clear();
                    ledger.clear();
                    balances.putAll(readBalances(c));
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                            "SELECT id, from_acct, to_acct, amount FROM " + LEDGER)) {
                        while (rs.next()) {
                            ledger.put(rs.getLong(1), new LedgerRow(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getLong(4)));
                        }
                    }
                });
                if (r.committed()) {
                    return new BankState(balances, ledger);
                }
                if (System.nanoTime() > deadline) {
                    return null;
                }
                Thread.sleep(500);
            }
        }
    }

    public List<Transfer> transfers() {
        synchronized (transfers) {
            return List.copyOf(transfers);
        }
    }

    public List<BalanceRead> reads() {
        synchronized (reads) {
            return List.copyOf(reads);
        }
    }

    public ErrorTally errors() {
        return errors;
    }

    public long count(Outcome outcome) {
        return transfers().stream().filter(t -> t.outcome() == outcome).count();
    }

    /** "transfers: committed 120, aborted 8 (40001: 7), indeterminate 0, skipped 3 ...; reads: 400 committed, 2 failed". */
    public String summary() {
        return "transfers: committed " + count(Outcome.COMMITTED) + ", aborted " + count(Outcome.ABORTED)
                + " (40001: " + errors.count("40001") + "), indeterminate " + count(Outcome.INDETERMINATE)
                + ", skipped for insufficient funds " + insufficientFunds.get() + ", gave up after " + TransferClient.MAX_RETRIES
                + " conflicts " + gaveUp.get() + "; reads: " + reads.size() + " committed, " + failedReads.get() + " failed";
    }
}
