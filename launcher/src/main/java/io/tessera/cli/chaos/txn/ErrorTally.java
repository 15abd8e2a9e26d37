package io.tessera.cli.chaos.txn;

import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Errors a workload met, counted by SQLState (or exception class), with the first message of each. */
public final class ErrorTally {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, String> firstMessage = new ConcurrentHashMap<>();

    public void record(Throwable e) {
        String key = e instanceof SQLException s && s.getSQLState() != null ? s.getSQLState() : e.getClass().getSimpleName();
        counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        firstMessage.putIfAbsent(key, String.valueOf(e.getMessage()));
    }

    public long count(String sqlState) {
        AtomicLong n = counts.get(sqlState);
        return n == null ? 0 : n.get();
    }

    public long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** By SQLState: "n × e.g. message". */
    public Map<String, String> summary() {
        Map<String, String> out = new TreeMap<>();
        counts.forEach((k, n) -> out.put(k, n.get() + " × e.g. " + firstMessage.get(k)));
        return out;
    }

    @Override
    public String toString() {
        return summary().toString();
    }
}
