package io.tessera.node.storage;

import io.tessera.protocol.codec.ByteReader;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.proto.ColumnType;
import java.util.Arrays;

/**
 * Byte layout of the replica maps.
 * <ul>
 *   <li>{@code rows}: key = pk tuple || 8-byte big-endian {@code ~commitTs} (the newest version sorts
 *       first), value = {@link #LIVE} or {@link #TOMBSTONE} flag byte, then (live only) the RowCodec row;
 *   <li>{@code index}: key = 4-byte big-endian index id || index-column tuple || pk tuple, value = empty.
 * </ul>
 */
public final class VersionedKeys {
    public static final byte TOMBSTONE = 0;
    public static final byte LIVE = 1;
    public static final int TS_BYTES = 8;
    public static final byte[] EMPTY = new byte[0];

    private VersionedKeys() {}

    public static byte[] rowKey(byte[] pk, long ts) {
        byte[] k = Arrays.copyOf(pk, pk.length + TS_BYTES);
        long inv = ~ts;
        for (int i = 0; i < TS_BYTES; i++) {
            k[pk.length + i] = (byte) (inv >>> (56 - 8 * i));
        }
        return k;
    }

    public static long tsOf(byte[] rowKey) {
        long inv = 0;
        for (int i = rowKey.length - TS_BYTES; i < rowKey.length; i++) {
            inv = inv << 8 | (rowKey[i] & 0xFF);
        }
        return ~inv;
    }

    public static int pkLength(byte[] rowKey) {
        return rowKey.length - TS_BYTES;
    }

    public static byte[] pkOf(byte[] rowKey) {
        return Arrays.copyOf(rowKey, rowKey.length - TS_BYTES);
    }

    /** Whether {@code rowKey} is a version of primary key {@code pk}. */
    public static boolean isVersionOf(byte[] rowKey, byte[] pk) {
        return rowKey.length == pk.length + TS_BYTES && Arrays.equals(rowKey, 0, pk.length, pk, 0, pk.length);
    }

    /** Whether two version keys belong to the same primary key. */
    public static boolean samePk(byte[] a, byte[] b) {
        return a.length == b.length && Arrays.equals(a, 0, a.length - TS_BYTES, b, 0, b.length - TS_BYTES);
    }

    public static byte[] indexPrefix(int indexId, byte[] tuple) {
        byte[] k = new byte[4 + tuple.length];
        k[0] = (byte) (indexId >>> 24);
        k[1] = (byte) (indexId >>> 16);
        k[2] = (byte) (indexId >>> 8);
        k[3] = (byte) indexId;
        System.arraycopy(tuple, 0, k, 4, tuple.length);
        return k;
    }

    public static byte[] indexKey(int indexId, byte[] tuple, byte[] pk) {
        byte[] k = Arrays.copyOf(indexPrefix(indexId, tuple), 4 + tuple.length + pk.length);
        System.arraycopy(pk, 0, k, 4 + tuple.length, pk.length);
        return k;
    }

    /** The length of the index-column tuple inside an index key (which starts after the 4-byte id). */
    public static int indexTupleLength(byte[] indexKey, ColumnType[] types) {
        ByteReader in = new ByteReader(indexKey, 4);
        for (ColumnType t : types) {
            KeyCodec.skip(in, t);
        }
        return in.position() - 4;
    }

    public static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] k = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, k, a.length, b.length);
        return k;
    }
}
