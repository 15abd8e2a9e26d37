package io.tessera.cli.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N writer threads, each on its own JDBC connection, inserting rows with unique keys into
 * {@value #TABLE} one autocommit INSERT at a time, and recording every outcome in a {@link Ledger}.
 * A writer never retries a key itself (the driver retries within its failover budget); after an
 * error of class 08 it reconnects.
 */
public final class InsertWorkload {
    public static final String TABLE = "CHAOS_ROWS";
    private static final long KEY_SPACE = 1_000_000_000L;

    private final String url;
    private final int writers;
    private final Ledger ledger = new Ledger();
    private final List<Thread> threads = new ArrayList<>();
    private final List<long[]> inFlight = new ArrayList<>(); // per writer: {key or -1}
    private final AtomicLong reconnects = new AtomicLong();
    private volatile boolean stopping;

    public InsertWorkload(String url, int writers) {
        this.url = url;
        this.writers = writers;
    }

    /** Creates the table: {@code shards} hash shards, three replicas each. */
    public static void createTable(String url, int shards) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, writer INT NOT NULL, seq BIGINT NOT NULL, "
                    + "payload VARCHAR(80) NOT NULL) SHARD BY HASH(id) SHARDS " + shards + " REPLICAS 3");
        }
    }

    /** The key of a writer's seq-th insert: unique, and it says who wrote it. */
    public static long key(int writer, long seq) {
        return (writer + 1) * KEY_SPACE + seq;
    }

    static String payload(int writer, long seq) {
        return "writer " + writer + " insert " + seq;
    }

    public Ledger ledger() {
        return ledger;
    }

    public long reconnects() {
        return reconnects.get();
    }

    public synchronized void start() {
        for (int w = 0; w < writers; w++) {
            int writer = w;
            long[] current = {-1};
            inFlight.add(current);
            Thread t = new Thread(() -> run(writer, current), "chaos-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(int writer, long[] current) {
        Connection c = null;
        PreparedStatement insert = null;
        long seq = 0;
        while (!stopping) {
            if (c == null) {
                try {
                    c = DriverManager.getConnection(url);
                    insert = c.prepareStatement("INSERT INTO " + TABLE + " (id, writer, seq, payload) VALUES (?, ?, ?, ?)");
                } catch (SQLException e) {
                    Quietly.close(c);
                    c = null;
                    reconnects.incrementAndGet();
                    Quietly.sleep(200);
                    continue;
                }
            }
            long key = key(writer, seq);
            String payload = payload(writer, seq);
            ledger.attempting(key, writer, seq, payload);
            synchronized (current) {
                current[0] = key;
            }
            seq++;
            try {
                insert.setLong(1, key);
                insert.setInt(2, writer);
                insert.setLong(3, seq - 1);
                insert.setString(4, payload);
                int n = insert.executeUpdate();
                if (n == 1) {
                    ledger.acknowledged(key);
                } else {
                    ledger.oddCount(key, n);
                }
            } catch (SQLException e) {
                ledger.failed(key, e);
                if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                    Quietly.close(c);
                    c = null;
                    reconnects.incrementAndGet();
                }
            } catch (RuntimeException e) {
                ledger.failed(key, e);
                Quietly.close(c);
                c = null;
                reconnects.incrementAndGet();
            }
            synchronized (current) {
                current[0] = -1;
            }
        }
        Quietly.close(c);
    }

    /**
     * Stops the writers: each finishes its current insert; returns the keys of inserts still
     * unanswered after {@code wait} (their writers are abandoned; the keys stay ambiguous).
     */
    public synchronized List<Long> stop(Duration wait) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + wait.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        List<Long> stuck = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++) {
            if (threads.get(i).isAlive()) {
                long[] current = inFlight.get(i);
                synchronized (current) {
                    if (current[0] >= 0) {
                        stuck.add(current[0]);
                    }
                }
            }
        }
        return stuck;
    }
}
