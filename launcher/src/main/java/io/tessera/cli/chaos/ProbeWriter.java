package io.tessera.cli.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * One connection inserting into a probe table ({@code id BIGINT PRIMARY KEY, written_at BIGINT})
 * in a loop, remembering when each acknowledged insert started and ended (System.nanoTime).
 */
final class ProbeWriter {
private static final Duration WAIT = Duration.ofSeconds(60);
    private final String url;
    private final String table;
    private final Object lock = new Object();
    private final List<long[]> acks = new ArrayList<>(); // {start, end}, guarded by lock
    private long successes;                               // guarded by lock
    private long errors;                                  // guarded by lock
    private String lastError = "none";                    // guarded by lock
    private volatile boolean stopping;
    private Thread thread;

    ProbeWriter(String url, String table) {
        this.url = url;
        this.table = table;
    }

    void start() {
        thread = new Thread(this::loop, "failover-probe-writer");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        Connection c = null;
        PreparedStatement insert = null;
        long id = 0;
        while (!stopping) {
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url);
                    insert = c.prepareStatement("INSERT INTO " + table + " (id, written_at) VALUES (?, ?)");
                }
                long start = System.nanoTime();
                insert.setLong(1, id++);
                insert.setLong(2, System.currentTimeMillis());
                insert.executeUpdate();
                long end = System.nanoTime();
                synchronized (lock) {
                    acks.add(new long[] {start, end});
                    successes++;
                    lock.notifyAll();
                }
            } catch (SQLException | RuntimeException e) {
                String state = e instanceof SQLException se ? se.getSQLState() : e.getClass().getSimpleName();
                synchronized (lock) {
                    errors++;
                    lastError = state + " " + e.getMessage();
                }
                if (c == null || !(e instanceof SQLException) || (state != null && state.startsWith("08"))) {
                    Quietly.close(c);
                    c = null;
                    Quietly.sleep(100);
                }
            }
        }
    }

    /** Waits for an insert that ended after {@code after}. */
    boolean awaitSuccessAfter(long after, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            // Forget inserts that ended a minute before `after`: no window asked about reaches back
            // that far (a count cap hid the start of a long ZooKeeper pause from window()).
            int old = 0;
            while (old < acks.size() && acks.get(old)[1] < after - 60_000_000_000L) {
                old++;
            }
            acks.subList(0, old).clear();
            while (acks.isEmpty() || acks.get(acks.size() - 1)[1] <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /**
     * The end time of the first insert acknowledged after {@code dead} that the killed primary
     * cannot have acknowledged: started after {@code dead}, or ended after {@code promoted}.
     */
    OptionalLong firstAckNotFromTheDead(long dead, long promoted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            acks.removeIf(a -> a[1] <= dead);
            int seen = 0;
            while (true) {
                for (; seen < acks.size(); seen++) {
                    long[] a = acks.get(seen);
                    if (a[0] >= dead || a[1] >= promoted) {
                        return OptionalLong.of(a[1]);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return OptionalLong.empty();
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** What the writer saw in [from, to]: acknowledged inserts, and the slowest insert in flight then. */
    record Window(int acknowledged, double longestInsertSeconds) {}

    Window window(long from, long to) {
        synchronized (lock) {
            int acknowledged = 0;
            long longest = 0;
            for (long[] a : acks) {
                if (a[1] >= from && a[1] <= to) {
                    acknowledged++;
                }
                if (a[1] >= from && a[0] <= to) {
                    longest = Math.max(longest, a[1] - a[0]);
                }
            }
            return new Window(acknowledged, longest / 1e9);
        }
    }

    long successes() {
        synchronized (lock) {
            return successes;
        }
    }

    long errors() {
        synchronized (lock) {
            return errors;
        }
    }

    String lastError() {
        synchronized (lock) {
            return lastError;
        }
    }

    void stop() throws InterruptedException {
        stopping = true;
        thread.join(WAIT.toMillis());
    }
}
