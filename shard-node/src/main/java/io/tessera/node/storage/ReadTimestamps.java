package io.tessera.node.storage;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The newest explicit read timestamp served on this primary ({@code max_read_ts}), and the fence
 * between such a read and a one-phase write choosing its commit timestamp: a write commits above
 * every read noted before it chose, and a read noted while a write is choosing or applying at or
 * below its timestamp waits until that write is applied (and therefore visible, or pending).
 */
final class ReadTimestamps {
    private static final long CHOOSING = -1;

    private final AtomicLong maxReadTs = new AtomicLong();
    private volatile long applying; // 0 = no one-phase write in progress; CHOOSING; else its commit ts

    long max() {
        return maxReadTs.get();
    }

    /** Raises max_read_ts to at least {@code ts} (a served read, or a new primary's oracle timestamp). */
    void raise(long ts) {
        long cur = maxReadTs.get();
        while (ts > cur && !maxReadTs.compareAndSet(cur, ts)) {
            cur = maxReadTs.get();
        }
    }

    /** A read at {@code ts} (> 0) begins: noted, then waits out a write that may commit at or below it. */
    void noteRead(long ts) {
        raise(ts);
        long a = applying;
        int spins = 0;
        while (a != 0 && (a == CHOOSING || a <= ts)) {
            if (++spins < 200) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            a = applying;
        }
    }

    /** Under the write lock: the commit ts a one-phase write asking for {@code requested} uses. */
    long beginWrite(long requested) {
        applying = CHOOSING;
        long ts = Math.max(requested, maxReadTs.get() + 1);
        applying = ts;
        return ts;
    }

    /** Under the write lock: the write is applied (or failed). */
    void endWrite() {
        applying = 0;
    }
}
