package io.tessera.cli.chaos;

import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Acknowledgement bookkeeping of a write workload: for every key a writer attempted, what the
 * client was told. Keys are unique (each attempted once), so after the run:
 * <ul>
 *   <li>{@link Outcome#ACKNOWLEDGED} keys must be stored exactly once;</li>
 *   <li>{@link Outcome#FAILED} keys (an error that says nothing was written: SQLState classes 22, 42,
 *       0A) must be absent;</li>
 *   <li>{@link Outcome#AMBIGUOUS} keys (08xxx, 40001, XX000, anything else, or no answer before the
 *       run ended) may be stored, at most once;</li>
 *   <li>{@link Outcome#DUPLICATE_REPORTED} keys (23505 for a key never attempted before: an internal
 *       retry was applied twice, or its first attempt was applied and the retry not deduplicated)
 *       are anomalies in themselves; they may be stored, at most once;</li>
 *   <li>no key that was never attempted may be stored.</li>
 * </ul>
 */
public final class Ledger {
    /** What the client learned about one insert. */
    public enum Outcome { PENDING, ACKNOWLEDGED, FAILED, AMBIGUOUS, DUPLICATE_REPORTED }

    /** One attempted insert: its row and outcome. */
    public static final class Entry {
        public final int writer;
        public final long seq;
        public final String payload;
        volatile Outcome outcome = Outcome.PENDING;
        volatile String error;

        Entry(int writer, long seq, String payload) {
            this.writer = writer;
            this.seq = seq;
            this.payload = payload;
        }

        public Outcome outcome() {
            return outcome;
        }

        public String error() {
            return error;
        }
    }

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final Map<Outcome, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> errorsByState = new ConcurrentHashMap<>();
    private final Map<String, String> firstErrorByState = new ConcurrentHashMap<>();
    private static final int RECENT = 4096;
    private final AtomicLongArray recentAcks = new AtomicLongArray(RECENT); // ring of recently acknowledged keys
    private final AtomicLong recentCount = new AtomicLong();

    public void attempting(long key, int writer, long seq, String payload) {
        if (entries.putIfAbsent(key, new Entry(writer, seq, payload)) != null) {
            throw new IllegalStateException("key " + key + " attempted twice");
        }
    }

    public void acknowledged(long key) {
        settle(key, Outcome.ACKNOWLEDGED, null);
        long i = recentCount.getAndIncrement();
        recentAcks.set((int) (i % RECENT), key);
    }

    /**
     * A key acknowledged recently (among the last 4096), or -1 when none was yet. Its acknowledgement
     * happened before this call returns, so a read started afterwards must see the row.
     */
    public long recentAcknowledged(Random random) {
        long n = recentCount.get();
        if (n == 0) {
            return -1;
        }
        long filled = Math.min(n, RECENT);
        // The slot at the write index may not be written yet by its writer: stay below it.
        long i = n - 1 - (long) (random.nextDouble() * Math.max(1, filled - 1));
        long key = recentAcks.get((int) (Math.floorMod(i, RECENT)));
        Entry e = entries.get(key);
        return e != null && e.outcome == Outcome.ACKNOWLEDGED ? key : -1;
    }

    /** An insert answered with an update count other than 1 (should not happen): ambiguous. */
    public void oddCount(long key, int count) {
        settle(key, Outcome.AMBIGUOUS, "update count " + count);
        note("update count " + count, "INSERT of one row returned update count " + count);
    }

    public void failed(long key, SQLException e) {
        String state = e.getSQLState() == null ? "null" : e.getSQLState();
        settle(key, classify(state), state + " " + e.getMessage());
        note(state, e.getMessage());
    }

    /** A failure that is not an SQLException (a bug in the driver, or the run ending): ambiguous. */
    public void failed(long key, RuntimeException e) {
        settle(key, Outcome.AMBIGUOUS, e.toString());
        note(e.getClass().getSimpleName(), e.toString());
    }

    static Outcome classify(String sqlState) {
        if (sqlState.equals("23505")) {
            return Outcome.DUPLICATE_REPORTED;
        }
        if (sqlState.startsWith("22") || sqlState.startsWith("42") || sqlState.startsWith("0A")
                || sqlState.startsWith("23")) {
            return Outcome.FAILED;
        }
        return Outcome.AMBIGUOUS;
    }

    private void settle(long key, Outcome outcome, String error) {
        Entry e = entries.get(key);
        e.error = error;
        e.outcome = outcome;
        counts.computeIfAbsent(outcome, o -> new AtomicLong()).incrementAndGet();
    }

    private void note(String state, String message) {
        errorsByState.computeIfAbsent(state, s -> new AtomicLong()).incrementAndGet();
        firstErrorByState.putIfAbsent(state, String.valueOf(message));
    }

    public Entry get(long key) {
        return entries.get(key);
    }

    public Map<Long, Entry> entries() {
        return entries;
    }

    public long count(Outcome o) {
        AtomicLong n = counts.get(o);
        return n == null ? 0 : n.get();
    }

    public long attempted() {
        return entries.size();
    }

    /** Errors seen, by SQLState: count and the first message. */
    public Map<String, String> errorSummary() {
        Map<String, String> out = new TreeMap<>();
        errorsByState.forEach((state, n) -> out.put(state, n.get() + " × e.g. " + firstErrorByState.get(state)));
        return out;
    }

    /** "acked 123, failed 0, ambiguous 2, ..." */
    public String summary() {
        return "attempted " + attempted() + ", acknowledged " + count(Outcome.ACKNOWLEDGED) + ", failed "
                + count(Outcome.FAILED) + ", ambiguous " + count(Outcome.AMBIGUOUS) + ", 23505 on a fresh key "
                + count(Outcome.DUPLICATE_REPORTED) + ", in flight " + unanswered();
    }

    /** Attempts still waiting for their answer (writers stuck at the end count as ambiguous). */
    public long unanswered() {
        long settled = 0;
        for (AtomicLong n : counts.values()) {
            settled += n.get();
        }
        return attempted() - settled;
    }
}
