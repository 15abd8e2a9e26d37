package io.tessera.protocol.codec;

import io.tessera.protocol.proto.ColumnType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Order-preserving encoding of typed values: for values a, b of one column type,
 * {@code Arrays.compareUnsigned(encode(a), encode(b))} has the sign of the SQL comparison of a and b.
 * A tuple is the concatenation of its values' encodings, so a tuple prefix is a byte prefix.
 *
 * <p>Each value starts with a tag: {@link #NULL} (sorts first) or {@link #NOT_NULL}. Integers are
 * big-endian with the sign bit flipped; floats have their sign bit flipped, and every bit when
 * negative; strings and binaries escape 0x00 as 0x00 0xFF and end with 0x00 0x01; decimals are
 * sign, exponent and digit string (complemented when negative). Java forms are those of {@link Values}.
 */
public final class KeyCodec {
    public static final int NULL = 0x00;
    public static final int NOT_NULL = 0x01;

    private static final int DEC_NEGATIVE = 0x01;
    private static final int DEC_ZERO = 0x02;
    private static final int DEC_POSITIVE = 0x03;

    private KeyCodec() {}

    public static void encode(ByteWriter out, ColumnType type, Object value) {
        if (value == null) {
            out.put(NULL);
            return;
        }
        out.put(NOT_NULL);
        switch (type) {
            case BOOLEAN:
                out.put((Boolean) value ? 1 : 0);
                break;
            case TINYINT:
                out.put(((Number) value).byteValue() ^ 0x80);
                break;
            case SMALLINT:
                out.putShort(((Number) value).shortValue() ^ 0x8000);
                break;
            case INTEGER:
            case DATE:
            case TIME:
                out.putInt(((Number) value).intValue() ^ Integer.MIN_VALUE);
                break;
            case BIGINT:
            case TIMESTAMP:
                out.putLong(((Number) value).longValue() ^ Long.MIN_VALUE);
                break;
            case REAL: {
                float f = ((Number) value).floatValue();
                int bits = Float.floatToIntBits(f == 0.0f ? 0.0f : f); // -0.0 == 0.0; canonical NaN
                out.putInt(bits < 0 ? ~bits : bits ^ Integer.MIN_VALUE);
                break;
            }
            case DOUBLE: {
                double d = ((Number) value).doubleValue();
                long bits = Double.doubleToLongBits(d == 0.0 ? 0.0 : d);
                out.putLong(bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
                break;
            }
            case DECIMAL:
                encodeDecimal(out, (BigDecimal) Values.normalize(type, value));
                break;
            case CHAR:
            case VARCHAR:
                encodeBytes(out, value.toString().getBytes(StandardCharsets.UTF_8));
                break;
            case BINARY:
            case VARBINARY:
                encodeBytes(out, (byte[]) Values.normalize(type, value));
                break;
            default:
                throw new IllegalArgumentException("unsupported key column type " + type);
        }
    }

    public static byte[] encodeTuple(ColumnType[] types, Object[] values) {
        ByteWriter out = new ByteWriter(16 * types.length);
        for (int i = 0; i < types.length; i++) {
            encode(out, types[i], values[i]);
        }
        return out.toByteArray();
    }

    /** Decodes a whole tuple starting at {@code offset}. */
    public static Object[] decodeTuple(ColumnType[] types, byte[] key, int offset) {
        ByteReader in = new ByteReader(key, offset);
        Object[] values = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            values[i] = decode(in, types[i]);
        }
        return values;
    }

    public static Object decode(ByteReader in, ColumnType type) {
        if (in.get() == NULL) {
            return null;
        }
        switch (type) {
            case BOOLEAN:
                return in.get() != 0;
            case TINYINT:
                return (byte) (in.get() ^ 0x80);
            case SMALLINT:
                return (short) (in.getShort() ^ 0x8000);
            case INTEGER:
            case DATE:
            case TIME:
                return in.getInt() ^ Integer.MIN_VALUE;
            case BIGINT:
            case TIMESTAMP:
                return in.getLong() ^ Long.MIN_VALUE;
            case REAL: {
                int bits = in.getInt();
                return Float.intBitsToFloat(bits < 0 ? bits ^ Integer.MIN_VALUE : ~bits);
            }
            case DOUBLE: {
                long bits = in.getLong();
                return Double.longBitsToDouble(bits < 0 ? bits ^ Long.MIN_VALUE : ~bits);
            }
            case DECIMAL:
                return decodeDecimal(in);
            case CHAR:
            case VARCHAR:
                return new String(decodeBytes(in), StandardCharsets.UTF_8);
            case BINARY:
            case VARBINARY:
                return decodeBytes(in);
            default:
                throw new IllegalArgumentException("unsupported key column type " + type);
        }
    }

    /** Skips one encoded value (of any type) without materialising it. */
    public static void skip(ByteReader in, ColumnType type) {
        decode(in, type);
    }

    private static void encodeBytes(ByteWriter out, byte[] b) {
        for (byte x : b) {
            out.put(x);
            if (x == 0) {
                out.put(0xFF);
            }
        }
        out.put(0x00).put(0x01);
    }

    private static byte[] decodeBytes(ByteReader in) {
        ByteWriter out = new ByteWriter(32);
        while (true) {
            int b = in.get();
            if (b == 0) {
                if (in.get() == 0x01) {
                    return out.toByteArray();
                }
                out.put(0);
            } else {
                out.put(b);
            }
        }
    }

    // A decimal d != 0 is written as sign, then exponent e and digits D with d = 0.D * 10^e
    // (D without trailing zeros), so comparing (e, D) lexicographically compares magnitudes.
    private static void encodeDecimal(ByteWriter out, BigDecimal d) {
        int sign = d.signum();
        if (sign == 0) {
            out.put(DEC_ZERO);
            return;
        }
        BigDecimal abs = d.abs().stripTrailingZeros();
        String digits = abs.unscaledValue().toString();
        int exponent = digits.length() - abs.scale();
        if (sign > 0) {
            out.put(DEC_POSITIVE);
            out.putInt(exponent ^ Integer.MIN_VALUE);
            for (int i = 0; i < digits.length(); i++) {
                out.put(digits.charAt(i));
            }
            out.put(0x00);
        } else {
            out.put(DEC_NEGATIVE);
            out.putInt(~(exponent ^ Integer.MIN_VALUE));
            for (int i = 0; i < digits.length(); i++) {
                out.put(~digits.charAt(i) & 0xFF);
            }
            out.put(0xFF);
        }
    }

    private static BigDecimal decodeDecimal(ByteReader in) {
        int kind = in.get();
        if (kind == DEC_ZERO) {
            return BigDecimal.ZERO;
        }
        boolean negative = kind == DEC_NEGATIVE;
        int e = in.getInt();
        int exponent = negative ? ~e ^ Integer.MIN_VALUE : e ^ Integer.MIN_VALUE;
        StringBuilder digits = new StringBuilder();
        while (true) {
            int b = in.get();
            if (b == (negative ? 0xFF : 0x00)) {
                break;
            }
            digits.append((char) (negative ? ~b & 0xFF : b));
        }
        BigDecimal abs = new BigDecimal(new BigInteger(digits.toString()), digits.length() - exponent);
        return negative ? abs.negate() : abs;
    }
}
