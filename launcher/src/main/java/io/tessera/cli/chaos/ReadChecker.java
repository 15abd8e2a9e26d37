package io.tessera.cli.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Readers that look up rows acknowledged before the read started, on connections of their own
 * (so their routes go stale independently of the writers'). A lookup that does not find the row,
 * or finds other values, is a stale read: e.g. a deposed primary, paused while its successor took
 * writes, serving a read after it woke up (what the read lease must prevent).
 */
public final class ReadChecker {
    private final String url;
    private final int readers;
    private final Ledger ledger;
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> staleReads = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong reads = new AtomicLong();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final long t0 = System.nanoTime();
    private volatile boolean stopping;

    public ReadChecker(String url, int readers, Ledger ledger) {
        this.url = url;
        this.readers = readers;
        this.ledger = ledger;
    }

    public void start() {
        for (int i = 0; i < readers; i++) {
            long seed = i;
            Thread t = new Thread(() -> run(new Random(seed)), "chaos-reader-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(Random random) {
        Connection c = null;
        PreparedStatement select = null;
        while (!stopping) {
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url);
                    select = c.prepareStatement("SELECT writer, seq, payload FROM " + InsertWorkload.TABLE + " WHERE id = ?");
                }
                long key = ledger.recentAcknowledged(random);
                if (key < 0) {
                    Thread.sleep(50);
                    continue;
                }
                Ledger.Entry e = ledger.get(key);
                select.setLong(1, key);
                try (ResultSet rs = select.executeQuery()) {
                    if (!rs.next()) {
                        staleReads.add(String.format("t+%.1fs id %d (writer %d insert %d) acknowledged before the read, "
                                + "not found", (System.nanoTime() - t0) / 1e9, key, e.writer, e.seq));
                    } else if (rs.getInt(1) != e.writer || rs.getLong(2) != e.seq || !e.payload.equals(rs.getString(3))) {
                        staleReads.add("id " + key + " read with other values: " + rs.getInt(1) + ", " + rs.getLong(2)
                                + ", " + rs.getString(3));
                    }
                }
                reads.incrementAndGet();
                Thread.sleep(5); // leave the CPU to the writers
            } catch (SQLException e) {
                errors.computeIfAbsent(String.valueOf(e.getSQLState()), s -> new AtomicLong()).incrementAndGet();
                if (c == null || (e.getSQLState() != null && e.getSQLState().startsWith("08"))) {
                    Quietly.close(c);
                    c = null;
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                errors.computeIfAbsent(e.getClass().getSimpleName(), s -> new AtomicLong()).incrementAndGet();
                Quietly.close(c);
                c = null;
            }
        }
        Quietly.close(c);
    }

    public void stop(Duration wait) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + wait.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
    }

    public List<String> staleReads() {
        synchronized (staleReads) {
            return List.copyOf(staleReads);
        }
    }

    public String summary() {
        Map<String, Long> e = new TreeMap<>();
        errors.forEach((k, v) -> e.put(k, v.get()));
        return reads.get() + " point reads of acknowledged rows, " + staleReads.size() + " stale, errors by SQLState " + e;
    }
}
