package io.tessera.cli.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One connection running transfers in a loop: an explicit transaction that moves 1 between two
 * accounts ({@code id BIGINT PRIMARY KEY, balance BIGINT}, usually on different shards) and
 * records the move in a journal without a primary key (so it takes a hidden row id). It remembers
 * when each transaction started and ended (System.nanoTime) and how it ended, so that a run can
 * check atomicity afterwards: the balances still sum to the start, and the journal holds one row
 * per committed transfer (plus at most the commits whose outcome the client could not learn).
 */
final class ProbeTransfers {
    private static final Duration WAIT = Duration.ofSeconds(60);
    static final long OPENING_BALANCE = 100;

    /** One transfer: start and end (nanoTime); error null = committed. */
    record Outcome(long start, long end, String error) {}

    private final String url;
    private final String accounts;
    private final String journal;
    private final int accountCount;
    private final Object lock = new Object();
    private final List<Outcome> outcomes = new ArrayList<>(); // guarded by lock
    private int committed;                                    // guarded by lock
    private int uncertain;                                    // guarded by lock
    private volatile boolean stopping;
    private Thread thread;

    ProbeTransfers(String url, String accounts, String journal, int accountCount) {
        this.url = url;
        this.accounts = accounts;
        this.journal = journal;
        this.accountCount = accountCount;
    }

    /** Creates both tables and opens the accounts. */
    void createTables(Statement st, int shards) throws SQLException {
        st.execute("CREATE TABLE " + accounts + " (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL) SHARDS " + shards
                + " REPLICAS 3");
        st.execute("CREATE TABLE " + journal + " (from_id BIGINT, to_id BIGINT) SHARDS " + shards + " REPLICAS 3");
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < accountCount; i++) {
            values.append(i == 0 ? "" : ", ").append('(').append(i).append(", ").append(OPENING_BALANCE).append(')');
        }
        st.executeUpdate("INSERT INTO " + accounts + " VALUES " + values);
    }

    void start() {
        thread = new Thread(this::loop, "outage-probe-transfers");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        Connection c = null;
        PreparedStatement move = null;
        PreparedStatement record = null;
        while (!stopping) {
            long start = System.nanoTime();
            boolean committing = false;
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url);
                    c.setAutoCommit(false);
                    move = c.prepareStatement("UPDATE " + accounts + " SET balance = balance + ? WHERE id = ?");
                    record = c.prepareStatement("INSERT INTO " + journal + " VALUES (?, ?)");
                }
                int from = ThreadLocalRandom.current().nextInt(accountCount);
                int to = (from + 1 + ThreadLocalRandom.current().nextInt(accountCount - 1)) % accountCount;
                start = System.nanoTime();
                update(move, -1, from);
                update(move, 1, to);
                record.setLong(1, from);
                record.setLong(2, to);
                record.executeUpdate();
                committing = true;
                c.commit();
                synchronized (lock) {
                    outcomes.add(new Outcome(start, System.nanoTime(), null));
                    committed++;
                }
            } catch (SQLException | RuntimeException e) {
                String state = e instanceof SQLException se ? se.getSQLState() : e.getClass().getSimpleName();
                synchronized (lock) {
                    outcomes.add(new Outcome(start, System.nanoTime(), state + " " + e.getMessage()));
                    if (committing && !"40001".equals(state)) {
                        uncertain++;
                    }
                }
                Quietly.rollback(c);
                if (c == null || !(e instanceof SQLException)) {
                    Quietly.close(c);
                    c = null;
                    Quietly.sleep(100);
                }
            }
        }
        Quietly.close(c);
    }

    private static void update(PreparedStatement move, int delta, int id) throws SQLException {
        move.setLong(1, delta);
        move.setLong(2, id);
        if (move.executeUpdate() != 1) {
            throw new IllegalStateException("account " + id + " is missing");
        }
    }

    /** Transfers that started in [from, to]: committed ones, the failures, and the slowest. */
    record Window(int committed, List<Outcome> failures, double slowestSeconds) {}

    Window window(long from, long to) {
        synchronized (lock) {
            int ok = 0;
            long slowest = 0;
            List<Outcome> failed = new ArrayList<>();
            for (Outcome o : outcomes) {
                if (o.start() < from || o.start() > to) {
                    continue;
                }
                if (o.error() == null) {
                    ok++;
                } else {
                    failed.add(o);
                }
                slowest = Math.max(slowest, o.end() - o.start());
            }
            return new Window(ok, failed, slowest / 1e9);
        }
    }

    int committed() {
        synchronized (lock) {
            return committed;
        }
    }

    /** Commits that failed with something other than 40001: they may or may not have happened. */
    int uncertain() {
        synchronized (lock) {
            return uncertain;
        }
    }

    void stop() throws InterruptedException {
        stopping = true;
        thread.join(WAIT.toMillis());
    }
}
