package io.tessera.node.storage;

import io.tessera.protocol.time.Timestamps;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The newest explicit read timestamp served on this primary ({@code max_read_ts}), and the fence
 * between such a read and a one-phase write choosing its commit timestamp: a write commits above
 * every read noted before it chose, and a read noted while a write is choosing or applying at or
 * below its timestamp waits until that write is applied (and therefore visible, or pending).
 *
 * <p>A write that asks for no timestamp commits at {@code max(appliedTs, max_read_ts) + 1}, and a
 * raised one at {@code max_read_ts + 1}, only while that stays inside the slot of the value it is
 * derived from ({@link Timestamps#slotEnd}). Every value on a primary is in the slot of an oracle
 * timestamp already handed out, so every oracle timestamp handed out later is above the commit:
 * once the write is acknowledged, any snapshot taken afterwards sees it. A write that would leave
 * the slot gets {@link #NEW_SLOT}: the replica first raises max_read_ts to a fresh oracle timestamp.
 *
 * <p>A primary takes oracle timestamps several at a time ({@link #reserve}): the range from the
 * first to the end of the last one's slot is all issued to it, so a value derived from inside that
 * range may go on to its end, across the oracle timestamps in it (which it skips: no commit lands
 * on an oracle value). That makes the timestamps a primary may choose without asking the oracle
 * again the whole range (64 slots), not one slot: what one-phase writes can commit through an
 * oracle outage. A read or commit at a timestamp from another primary's range may come with that
 * range's end (a frontend passes on what the other primary reported): this primary then adopts
 * the rest of that range ({@link #adopt}) instead of being held to the timestamp's slot.
 */
final class ReadTimestamps {
    /** {@link #beginWrite}'s answer when the commit would leave its slot. */
    static final long NEW_SLOT = 0;
    private static final long CHOOSING = -1;

    /** Oracle-issued timestamps [from, end) a derived commit timestamp may fill. */
    private record Range(long from, long end) {
        boolean holds(long ts) {
            return ts >= from && ts < end;
        }
    }

    private final AtomicLong maxReadTs = new AtomicLong();
    private final AtomicReference<Range> reserved = new AtomicReference<>(new Range(0, 0));
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

    /**
     * Oracle timestamps {@code from}, ... up to {@code end} (exclusive, the end of the last one's slot)
     * were handed to this primary: raises max_read_ts to {@code from} and lets commits derived
     * inside the range fill all of it.
     */
    void reserve(long from, long end) {
        reserved.set(new Range(from, end));
        raise(from);
    }

    /**
     * {@code ts} lies in a range of issued timestamps that ends at {@code end}: adopts the rest of
     * it when it reaches further than the range in use. Call once this primary's values reached
     * {@code ts} (a read at it noted, a commit at it applied).
     */
    void adopt(long ts, long end) {
        if (end > ts) {
            reserved.accumulateAndGet(new Range(ts, end), (cur, offered) -> offered.end() > cur.end() ? offered : cur);
        }
    }

    /** The end of the issued range in use when it holds {@code ts}, else 0 (only ts's slot is known). */
    long rangeEndOf(long ts) {
        Range r = reserved.get();
        return r.holds(ts) ? r.end() : 0;
    }

    /**
     * A read at {@code ts} (> 0) begins: noted (with the end of the issued range it lies in, 0 =
     * unknown), then waits out a write that may commit at or below it.
     */
    void noteRead(long ts, long rangeEnd) {
        raise(ts);
        adopt(ts, rangeEnd);
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

    /**
     * The commit ts a one-phase write asking for {@code requested} (0 = none) would use on a replica
     * that applied up to {@code appliedTs}, or {@link #NEW_SLOT}. Without the fence: a check ahead of
     * the write lock.
     */
    long choose(long requested, long appliedTs) {
        long read = maxReadTs.get();
        long base = requested > 0 ? Math.max(requested - 1, read) : Math.max(appliedTs, read);
        long ts = base + 1;
        // requested itself is the caller's oracle timestamp: only a value derived here must stay in its slot
        if (ts == requested || ts <= Timestamps.slotEnd(base)) {
            return ts;
        }
        Range r = reserved.get();
        if (r.holds(base)) {
            ts = Timestamps.isOracle(ts) ? ts + 1 : ts;
            return ts < r.end() ? ts : NEW_SLOT;
        }
        return NEW_SLOT;
    }

    /** Under the write lock: as {@link #choose}, and fences reads at or above it until {@link #endWrite}. */
    long beginWrite(long requested, long appliedTs) {
        applying = CHOOSING;
        long ts = choose(requested, appliedTs);
        applying = ts; // NEW_SLOT is 0: nothing to fence
        return ts;
    }

    /**
     * Whether a commit at {@code ts} used more than half of its room: of the reserved range when
     * it is in it, else of its slot. Time to fetch the next range.
     */
    boolean pastHalf(long ts) {
        Range r = reserved.get();
        if (r.holds(ts)) {
            return ts - r.from() > (r.end() - r.from()) / 2;
        }
        return (ts & (Timestamps.ORACLE_STEP - 1)) > Timestamps.ORACLE_STEP / 2;
    }

    /** Under the write lock: the write is applied (or failed). */
    void endWrite() {
        applying = 0;
    }
}
