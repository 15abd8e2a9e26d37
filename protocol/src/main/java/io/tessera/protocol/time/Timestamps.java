package io.tessera.protocol.time;

/**
 * The layout of Tessera's 64-bit timestamps, shared by the oracle, the shard nodes and the frontend.
 *
 * <p>A timestamp is {@code wallMillis << PHYSICAL_SHIFT} plus a logical part, so it stays close to
 * wall time (an {@code AS OF} time maps to a timestamp, the GC window is measured in it). The oracle
 * only hands out multiples of {@link #ORACLE_STEP}; the values strictly between two of them form the
 * <em>slot</em> of the lower one. A shard primary that commits a one-phase write without asking the
 * oracle picks a value just above everything it has committed or served, inside the slot of the
 * newest oracle timestamp that value derives from. Every oracle timestamp handed out later is in a
 * higher slot, so a write acknowledged before a timestamp was taken is visible at it.
 */
public final class Timestamps {
    /** Bits of the logical part below the wall-clock milliseconds. */
    public static final int PHYSICAL_SHIFT = 18;
    /** log2 of {@link #ORACLE_STEP}: 2^14 values per slot, 16 oracle timestamps per millisecond. */
    public static final int ORACLE_STEP_BITS = 14;
    /** Distance between two oracle timestamps; one slot holds ORACLE_STEP - 1 one-phase commits. */
    public static final long ORACLE_STEP = 1L << ORACLE_STEP_BITS;

    private Timestamps() {}

    /** The smallest timestamp of wall-clock millisecond {@code millis}. */
    public static long ofMillis(long millis) {
        return millis << PHYSICAL_SHIFT;
    }

    /** The largest timestamp of wall-clock millisecond {@code millis}: a read at it sees every commit of that ms. */
    public static long endOfMillis(long millis) {
        return ((millis + 1) << PHYSICAL_SHIFT) - 1;
    }

    /** The wall-clock millisecond a timestamp belongs to. */
    public static long millisOf(long ts) {
        return ts >>> PHYSICAL_SHIFT;
    }

    /** Whether {@code ts} can be an oracle timestamp (a multiple of {@link #ORACLE_STEP}). */
    public static boolean isOracle(long ts) {
        return (ts & (ORACLE_STEP - 1)) == 0;
    }

    /** The last value of the slot {@code ts} is in: a one-phase commit derived from ts may go up to it. */
    public static long slotEnd(long ts) {
        return ts | (ORACLE_STEP - 1);
    }

    /** The smallest oracle timestamp at or above {@code ts}. */
    public static long oracleCeiling(long ts) {
        return (ts + ORACLE_STEP - 1) & ~(ORACLE_STEP - 1);
    }
}
