package io.tessera.cli.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * One connection counting the rows of a probe table in a loop ({@code SELECT COUNT(*)}, which
 * reads every shard, so every statement needs one snapshot across shards), next to a
 * {@link ProbeWriter}. It remembers when each read started and ended (System.nanoTime) and what it
 * counted, and checks read-your-writes: a read must count at least the inserts the writer had
 * acknowledged before the read began.
 */
final class ProbeReader {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** One read: its start and end (nanoTime), the count, and the inserts acknowledged before it began. */
    record Read(long start, long end, long count, long acknowledgedBefore) {
        boolean seesEveryAcknowledgedInsert() {
            return count >= acknowledgedBefore;
        }
    }

    /** A failed read: when it started and ended, and why. */
    record Failure(long start, long end, String error) {}

    private final String url;
    private final String table;
    private final LongSupplier acknowledged;
    private final Object lock = new Object();
    private final List<Read> reads = new ArrayList<>();       // guarded by lock
    private final List<Failure> failures = new ArrayList<>(); // guarded by lock
    private volatile boolean stopping;
    private Thread thread;

    /**
     * @param acknowledged the number of inserts acknowledged so far (read before each statement)
     */
    ProbeReader(String url, String table, LongSupplier acknowledged) {
        this.url = url;
        this.table = table;
        this.acknowledged = acknowledged;
    }

    void start() {
        thread = new Thread(this::loop, "outage-probe-reader");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        Connection c = null;
        Statement st = null;
        while (!stopping) {
            long start = System.nanoTime();
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url);
                    st = c.createStatement();
                }
                start = System.nanoTime();
                long before = acknowledged.getAsLong();
                long count;
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    rs.next();
                    count = rs.getLong(1);
                }
                Read r = new Read(start, System.nanoTime(), count, before);
                synchronized (lock) {
                    reads.add(r);
                    lock.notifyAll();
                }
            } catch (SQLException | RuntimeException e) {
                String state = e instanceof SQLException se ? se.getSQLState() : e.getClass().getSimpleName();
                synchronized (lock) {
                    failures.add(new Failure(start, System.nanoTime(), state + " " + e.getMessage()));
                }
                if (c == null || !(e instanceof SQLException)) {
                    Quietly.close(c);
                    c = null;
                    Quietly.sleep(100);
                }
            }
        }
        Quietly.close(c);
    }

    /** Waits for a read that ended after {@code after}. */
    boolean awaitReadAfter(long after, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (reads.isEmpty() || reads.get(reads.size() - 1).end() <= after) {
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
     * What the reader saw of reads that started in [from, to]: how many succeeded, how many
     * started after {@code lateFrom} (e.g. once the oracle's lease ran out) and succeeded, the
     * slowest of them, the failures, and the reads that missed an acknowledged insert.
     */
    record Window(int succeeded, int succeededLate, double slowestSeconds, List<Failure> failures,
                  List<Read> missedInserts) {}

    Window window(long from, long lateFrom, long to) {
        synchronized (lock) {
            int succeeded = 0;
            int late = 0;
            long slowest = 0;
            List<Read> missed = new ArrayList<>();
            for (Read r : reads) {
                if (r.start() < from || r.start() > to) {
                    continue;
                }
                succeeded++;
                if (r.start() >= lateFrom) {
                    late++;
                }
                slowest = Math.max(slowest, r.end() - r.start());
                if (!r.seesEveryAcknowledgedInsert()) {
                    missed.add(r);
                }
            }
            List<Failure> failed = new ArrayList<>();
            for (Failure f : failures) {
                if (f.start() >= from && f.start() <= to) {
                    failed.add(f);
                    slowest = Math.max(slowest, f.end() - f.start());
                }
            }
            return new Window(succeeded, late, slowest / 1e9, failed, missed);
        }
    }

    /** Every read so far that counted fewer rows than the inserts acknowledged before it began. */
    List<Read> missedInserts() {
        synchronized (lock) {
            return reads.stream().filter(r -> !r.seesEveryAcknowledgedInsert()).toList();
        }
    }

    int successes() {
        synchronized (lock) {
            return reads.size();
        }
    }

    int errors() {
        synchronized (lock) {
            return failures.size();
        }
    }

    void stop() throws InterruptedException {
        stopping = true;
        thread.join(WAIT.toMillis());
    }
}
