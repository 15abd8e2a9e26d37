package io.tessera.cli.chaos.history;

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
 * The list-append workload over plain JDBC: each key's list is one row ({@code vals}: the elements
 * separated by spaces). A transaction runs 1..n operations on random keys of a small pool: a read
 * ({@code SELECT}), or an append (read the list, then {@code UPDATE} it, or {@code INSERT} the row
 * when the key is new); some transactions read a key they touched once more at the end. Every
 * transaction is recorded with the operations it completed and its outcome, for the
 * {@link SnapshotIsolationChecker}. An append is recorded before its write is sent, so a write
 * that took effect although its statement failed is still attributed.
 */
public final class ListAppendWorkload {
    public static final String TABLE = "TXN_LISTS";

    /**
     * @param clients       concurrent connections
     * @param activeKeys    keys in use at a time (fewer: more conflicts)
     * @param maxAppends    appends per key before it is replaced by a fresh key
     * @param maxOps        operations per transaction (at least 1)
     * @param tableOptions  appended to CREATE TABLE (e.g. Tessera's {@code SHARDS 6 REPLICAS 3})
     */
    public record Settings(int clients, int activeKeys, int maxAppends, int maxOps, String tableOptions) {}

    private final String url;
    private final Settings settings;
    private final long seed;
    private final int isolation;
    private final KeyPool keys;
    private final ErrorTally errors = new ErrorTally();
    private final ClientThreads clients = new ClientThreads(errors);
    private final List<Txn> history = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong nextTxn = new AtomicLong(1);
    private final AtomicLong nextElement = new AtomicLong(1);

    public ListAppendWorkload(String url, Settings settings, long seed) {
        this(url, settings, seed, Connection.TRANSACTION_REPEATABLE_READ);
    }

    /** With another isolation level than REPEATABLE READ: to show what the checker finds under a weaker one. */
    public ListAppendWorkload(String url, Settings settings, long seed, int isolation) {
        this.url = url;
        this.isolation = isolation;
        this.settings = settings;
        this.seed = seed;
        this.keys = new KeyPool(settings.activeKeys(), settings.maxAppends());
    }

    public void createTable() throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + TABLE + " (k BIGINT PRIMARY KEY, vals VARCHAR(4000) NOT NULL) "
                    + settings.tableOptions());
        }
    }

    public void start() {
        clients.start("list-append", settings.clients(), this::clientLoop);
    }

    public List<String> stop(Duration wait) throws InterruptedException {
        return clients.stop(wait);
    }

    private void clientLoop(int client, BooleanSupplier stopping) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(seed * 31 + client);
        try (TransactionRunner runner = new TransactionRunner(url, isolation, errors)) {
            while (!stopping.getAsBoolean()) {
                List<Op> plan = plan(random);
                List<Op> done = new ArrayList<>();
                TransactionRunner.Result r = runner.run(c -> {
                    done.clear();
                    for (Op op : plan) {
                        if (op instanceof Op.Append a) {
                            append(c, a, done);
                        } else {
                            done.add(new Op.Read(op.key(), read(c, op.key())));
                        }
                    }
                });
                history.add(new Txn(nextTxn.getAndIncrement(), client, done, r.outcome(),
                        r.error() == null ? null : describe(r.error()), r.startNanos(), r.endNanos()));
                if (!r.committed() && !r.retryable()) {
                    Thread.sleep(random.nextInt(50)); // e.g. a failover in progress: do not spin
                }
            }
        }
    }

    /** Reads and appends (elements fixed now); sometimes a key touched is read once more at the end. */
    private List<Op> plan(SplittableRandom random) {
        int n = 1 + random.nextInt(settings.maxOps());
        List<Op> plan = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (random.nextBoolean()) {
                plan.add(new Op.Read(keys.forRead(random), List.of()));
            } else {
                plan.add(new Op.Append(keys.forAppend(random), nextElement.getAndIncrement()));
            }
        }
        if (random.nextInt(4) == 0) {
            plan.add(new Op.Read(plan.get(0).key(), List.of()));
        }
        return plan;
    }

    private static void append(Connection c, Op.Append a, List<Op> done) throws SQLException {
        List<Long> before = read(c, a.key());
        done.add(new Op.Read(a.key(), before));
        done.add(a);
        String vals = before.isEmpty() ? Long.toString(a.element()) : format(before) + " " + a.element();
        String sql = before.isEmpty() ? "INSERT INTO " + TABLE + " (vals, k) VALUES (?, ?)"
                : "UPDATE " + TABLE + " SET vals = ? WHERE k = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, vals);
            ps.setLong(2, a.key());
            int n = ps.executeUpdate();
            if (n != 1) {
                throw new IllegalStateException(sql + " for key " + a.key() + " changed " + n + " rows");
            }
        }
    }

    private static List<Long> read(Connection c, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT vals FROM " + TABLE + " WHERE k = ?")) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? parse(rs.getString(1)) : List.of();
            }
        }
    }

    /**
     * Every key's list, read in one transaction after the clients stopped (retried for up to
     * {@code patience}); null when it could not be read.
     */
    public Map<Long, List<Long>> readFinalState(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        try (TransactionRunner runner = new TransactionRunner(url, isolation, errors)) {
            while (true) {
                Map<Long, List<Long>> state = new HashMap<>();
                TransactionRunner.Result r = runner.run(c -> {
                    state.clear();
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT k, vals FROM " + TABLE)) {
                        while (rs.next()) {
                            state.put(rs.getLong(1), parse(rs.getString(2)));
                        }
                    }
                });
                if (r.committed()) {
                    return state;
                }
                if (System.nanoTime() > deadline) {
                    return null;
                }
                Thread.sleep(500);
            }
        }
    }

    static List<Long> parse(String vals) {
        List<Long> out = new ArrayList<>();
        if (vals != null) {
            for (String s : vals.trim().split(" +")) {
                if (!s.isEmpty()) {
                    out.add(Long.parseLong(s));
                }
            }
        }
        return out;
    }

    private static String format(List<Long> values) {
        StringBuilder sb = new StringBuilder();
        for (Long v : values) {
            sb.append(sb.length() == 0 ? "" : " ").append(v);
        }
        return sb.toString();
    }

    private static String describe(Exception e) {
        return e instanceof SQLException s ? s.getSQLState() + " " + s.getMessage() : e.toString();
    }

    public List<Txn> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    public ErrorTally errors() {
        return errors;
    }

    public String summary() {
        List<Txn> h = history();
        long committed = h.stream().filter(t -> t.outcome() == Outcome.COMMITTED).count();
        long aborted = h.stream().filter(t -> t.outcome() == Outcome.ABORTED).count();
        long unknown = h.stream().filter(t -> t.outcome() == Outcome.INDETERMINATE).count();
        long appends = h.stream().filter(t -> t.outcome() == Outcome.COMMITTED)
                .mapToLong(t -> t.ops().stream().filter(o -> o instanceof Op.Append).count()).sum();
        return "transactions: " + h.size() + " (committed " + committed + " with " + appends + " appends, aborted "
                + aborted + " (40001: " + errors.count("40001") + "), indeterminate " + unknown + ")";
    }
}
