package io.tessera.protocol.codec;

import io.tessera.protocol.proto.ColumnType;

/**
 * Order-preserving encoding of typed values: for values a, b of one column type,
 * {@code Arrays.compareUnsigned(encode(a), encode(b))} has the sign of the SQL comparison of a and b.
 * Tuples are the concatenation of their values' encodings, so a tuple prefix is a byte prefix.
 *
 * <p>Java forms of values are those of {@link Values}. NULL sorts before every other value.
 */
public final class KeyCodec {
    private KeyCodec() {}

    /** Appends the encoding of {@code value} (a Java form of {@code type}, or null) to {@code out}. */
    public static void encode(KeyWriter out, ColumnType type, Object value) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Encodes a tuple of values with the given column types. */
    public static byte[] encodeTuple(ColumnType[] types, Object[] values) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Decodes a tuple encoded by {@link #encodeTuple} (used for key-range splits and diagnostics). */
    public static Object[] decodeTuple(ColumnType[] types, byte[] key, int offset) {
        throw new UnsupportedOperationException("TODO");
    }
}
