package io.tessera.protocol.meta;

import com.google.common.hash.Hashing;

/**
 * Hash sharding: a row belongs to the shard whose range holds the 64-bit hash of its encoded
 * shard key. Ranges are compared as unsigned values; {@code hi == 0} means the end of the space.
 */
public final class ShardHash {
    private ShardHash() {}

    /** The hash of a shard key encoded with {@code KeyCodec.encodeTuple}. Stable across releases. */
    public static long hash(byte[] encodedShardKey) {
        return Hashing.murmur3_128().hashBytes(encodedShardKey).asLong();
    }

    /** Lower bound of range {@code i} when the space is cut into {@code n} equal ranges. */
    public static long rangeStart(int i, int n) {
        // floor((2^64 - 1) / n) * i: equal ranges up to rounding, the last one takes the remainder.
        return Long.divideUnsigned(-1L, n) * i;
    }

    /** Upper bound (exclusive) of range {@code i} of {@code n}; 0 for the last range. */
    public static long rangeEnd(int i, int n) {
        return i == n - 1 ? 0L : rangeStart(i + 1, n);
    }

    public static boolean contains(long lo, long hi, long hash) {
        return Long.compareUnsigned(hash, lo) >= 0 && (hi == 0 || Long.compareUnsigned(hash, hi) < 0);
    }
}
