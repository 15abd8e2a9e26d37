package io.tessera.node.storage;

import io.tessera.protocol.codec.ByteWriter;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.proto.ColumnType;
import java.util.Arrays;

/**
 * A range over encoded key tuples given by tuple prefixes: a bound of k values covers every key
 * whose first k columns equal it (so an inclusive upper bound {@code (5)} includes {@code (5, x)}).
 * A null bound is unbounded.
 */
public record KeyRange(byte[] lower, boolean lowerInclusive, byte[] upper, boolean upperInclusive) {
    public static final KeyRange ALL = new KeyRange(null, true, null, true);

    /** Encodes bounds given as leading column values of a key with {@code types}; empty/null = unbounded. */
    public static KeyRange of(ColumnType[] types, Object[] lower, boolean lowerInclusive, Object[] upper, boolean upperInclusive) {
        return new KeyRange(prefix(types, lower), lowerInclusive, prefix(types, upper), upperInclusive);
    }

    private static byte[] prefix(ColumnType[] types, Object[] values) {
        if (values == null || values.length == 0) {
            return null;
        }
        if (values.length > types.length) {
            throw new IllegalArgumentException("key bound has " + values.length + " values, the key " + types.length + " columns");
        }
        ByteWriter out = new ByteWriter(32);
        for (int i = 0; i < values.length; i++) {
            KeyCodec.encode(out, types[i], values[i]);
        }
        return out.toByteArray();
    }

    /**
     * Where a cursor over keys {@code within || tuple || ...} starts, or null when the range is empty.
     */
    byte[] start(byte[] within) {
        if (lower == null) {
            return within;
        }
        byte[] from = VersionedKeys.concat(within, lower);
        return lowerInclusive ? from : successor(from);
    }

    /** Whether {@code key} (= {@code within || tuple || ...}) lies beyond the upper bound. */
    boolean beyondUpper(byte[] key, byte[] within) {
        if (!VersionedKeys.startsWith(key, within)) {
            return true;
        }
        if (upper == null) {
            return false;
        }
        int n = within.length + upper.length;
        int cmp = Arrays.compareUnsigned(key, within.length, Math.min(key.length, n), upper, 0, upper.length);
        if (cmp < 0) {
            return false;
        }
        // cmp == 0 means the key starts with the bound (keys are longer than any bound they extend)
        return cmp > 0 || !upperInclusive;
    }

    /** Whether the key tuple {@code tuple} lies in the range. */
    boolean contains(byte[] tuple) {
        byte[] from = start(VersionedKeys.EMPTY);
        return from != null && Arrays.compareUnsigned(tuple, from) >= 0 && !beyondUpper(tuple, VersionedKeys.EMPTY);
    }

    /** The smallest byte string greater than every string starting with {@code prefix}; null = none. */
    static byte[] successor(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] s = Arrays.copyOf(prefix, i + 1);
                s[i]++;
                return s;
            }
        }
        return null;
    }
}
