package io.tessera.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.ColumnType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The encoded byte order of keys is the SQL order of their values, for every type and for tuples. */
class KeyCodecOrderTest {

    static byte[] enc(ColumnType t, Object v) {
        ByteWriter w = new ByteWriter();
        KeyCodec.encode(w, t, v);
        return w.toByteArray();
    }

    static Object dec(ColumnType t, byte[] b) {
        ByteReader r = new ByteReader(b, 0);
        Object v = KeyCodec.decode(r, t);
        assertThat(r.position()).as("decode consumes exactly the encoding").isEqualTo(b.length);
        return v;
    }

    /**
     * Asserts that {@code ascending} (in SQL order, equal neighbours allowed when {@code cmp} says so)
     * encodes to byte strings in the same order, that equal values encode identically, and that each
     * value round-trips. NULL is prepended: it must sort first.
     */
    static <T> void assertOrder(ColumnType t, List<T> ascending, Comparator<T> cmp) {
        List<byte[]> encoded = new ArrayList<>();
        for (T v : ascending) {
            byte[] e = enc(t, v);
            encoded.add(e);
            Object back = dec(t, e);
            assertThat(cmp.compare(v, (T) back)).as("%s round-trips (got %s)", v, back).isZero();
        }
        byte[] nullKey = enc(t, null);
        assertThat(dec(t, nullKey)).isNull();
        for (int i = 0; i < ascending.size(); i++) {
            assertThat(Arrays.compareUnsigned(nullKey, encoded.get(i))).as("NULL before %s", ascending.get(i)).isNegative();
            for (int j = 0; j < ascending.size(); j++) {
                int expected = Integer.signum(cmp.compare(ascending.get(i), ascending.get(j)));
                int actual = Integer.signum(Arrays.compareUnsigned(encoded.get(i), encoded.get(j)));
                assertThat(actual).as("%s vs %s", show(ascending.get(i)), show(ascending.get(j))).isEqualTo(expected);
            }
        }
    }

    static String show(Object v) {
        return v instanceof byte[] ? Arrays.toString((byte[]) v) : String.valueOf(v);
    }

    @Test
    void booleansSortFalseBeforeTrue() {
        assertOrder(ColumnType.BOOLEAN, List.of(false, true), Boolean::compare);
    }

    @Test
    void signedIntegersSortNegativesFirst() {
        assertOrder(ColumnType.TINYINT, List.of(Byte.MIN_VALUE, (byte) -100, (byte) -1, (byte) 0, (byte) 1, (byte) 100, Byte.MAX_VALUE),
                Byte::compare);
        assertOrder(ColumnType.SMALLINT, List.of(Short.MIN_VALUE, (short) -300, (short) -1, (short) 0, (short) 255,
                (short) 256, Short.MAX_VALUE), Short::compare);
        assertOrder(ColumnType.INTEGER, List.of(Integer.MIN_VALUE, -65536, -256, -255, -1, 0, 1, 255, 256, 65536,
                Integer.MAX_VALUE), Integer::compare);
        assertOrder(ColumnType.BIGINT, List.of(Long.MIN_VALUE, Long.MIN_VALUE + 1, -(1L << 40), -1L, 0L, 1L, 1L << 40,
                Long.MAX_VALUE - 1, Long.MAX_VALUE), Long::compare);
    }

    @Test
    void datesTimesAndTimestampsSortChronologicallyIncludingBeforeTheEpoch() {
        assertOrder(ColumnType.DATE, List.of(-719_162, -1, 0, 1, 19_000, 2_932_896), Integer::compare);
        assertOrder(ColumnType.TIME, List.of(0, 1, 999, 3_600_000, 86_399_999), Integer::compare);
        assertOrder(ColumnType.TIMESTAMP, List.of(-62_135_596_800_000L, -1L, 0L, 1L, 1_700_000_000_000L), Long::compare);
    }

    /** SQL order of approximate numbers: -0.0 equals 0.0; NaN (which SQL lacks) sorts after +Infinity. */
    static int sqlDoubleOrder(Double a, Double b) {
        if (a.doubleValue() == b.doubleValue()) {
            return 0;
        }
        return Double.compare(a, b);
    }

    @Test
    void doublesSortNumericallyWithNegativeZeroEqualToZeroAndNaNLast() {
        assertOrder(ColumnType.DOUBLE, List.of(Double.NEGATIVE_INFINITY, -Double.MAX_VALUE, -1e10, -1.5, -1.0,
                -Double.MIN_NORMAL, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, Double.MIN_NORMAL, 1.0, 1.5, 1e10,
                Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN), KeyCodecOrderTest::sqlDoubleOrder);
        assertThat(enc(ColumnType.DOUBLE, -0.0)).isEqualTo(enc(ColumnType.DOUBLE, 0.0));
        assertThat(enc(ColumnType.DOUBLE, Double.longBitsToDouble(0x7ff8000000000123L)))
                .as("every NaN encodes as the canonical NaN").isEqualTo(enc(ColumnType.DOUBLE, Double.NaN));
    }

    @Test
    void realsSortNumericallyToo() {
        assertOrder(ColumnType.REAL, List.of(Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -2.5f, -Float.MIN_VALUE, -0.0f, 0.0f,
                Float.MIN_VALUE, 1.0f, 2.5f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN),
                (a, b) -> a.floatValue() == b.floatValue() ? 0 : Float.compare(a, b));
    }

    @Test
    void decimalsSortByValueWhateverTheirScaleOrSign() {
        List<BigDecimal> values = new ArrayList<>();
        for (String s : new String[] {"-1E+10", "-1000", "-100.5", "-100.50", "-100", "-99.99", "-10", "-9.5", "-1.01",
            "-1", "-1.000", "-0.5", "-0.05", "-0.0500", "-0.001", "0", "0.00", "0E+5", "0.001", "0.0011", "0.01", "0.1",
            "0.10", "0.11", "0.9999999999999999999999", "1", "1.0", "1.0000001", "1.5", "9", "9.9", "10", "10.0", "11",
            "99", "100", "100.000", "101", "1E+10", "12345678901234567890.123456789"}) {
            values.add(new BigDecimal(s));
        }
        assertOrder(ColumnType.DECIMAL, values, BigDecimal::compareTo);
        assertThat(enc(ColumnType.DECIMAL, new BigDecimal("1.50"))).isEqualTo(enc(ColumnType.DECIMAL, new BigDecimal("1.5")));
        assertThat(enc(ColumnType.DECIMAL, new BigDecimal("-0.00"))).isEqualTo(enc(ColumnType.DECIMAL, BigDecimal.ZERO));
    }

    @Test
    void decimalsAcceptOtherNumbers() {
        assertThat(enc(ColumnType.DECIMAL, 15L)).isEqualTo(enc(ColumnType.DECIMAL, new BigDecimal("15.000")));
    }

    @Test
    void stringsSortByUtf8BytesWithEmbeddedZerosAndPrefixesFirst() {
        assertOrder(ColumnType.VARCHAR, List.of("", "\0", "\0\0", "\0\u0001", "\0a", "\u0001", "a", "a\0", "a\0\0", "a\0b",
                "a\u0001", "ab", "ab\0", "abc", "b", "z", "\u00e9", "\u4e2d", "\uffff"), String::compareTo);
        assertOrder(ColumnType.CHAR, List.of("", "a", "a ", "ab"), String::compareTo);
    }

    /**
     * Known divergence, pinned: keys sort by Unicode code point (UTF-8 bytes), while
     * {@link String#compareTo} compares UTF-16 units, so a supplementary character (surrogate pair,
     * e.g. an emoji) sorts after U+FFFF in keys but before U+E000..U+FFFF in Java.
     */
    @Test
    void supplementaryCharactersSortByCodePointNotByUtf16Units() {
        String emoji = "\uD83D\uDE00"; // U+1F600
        String privateUse = "\uE000";
        assertThat(emoji.compareTo(privateUse)).isNegative();
        assertThat(Arrays.compareUnsigned(enc(ColumnType.VARCHAR, emoji), enc(ColumnType.VARCHAR, privateUse))).isPositive();
        assertOrder(ColumnType.VARCHAR, List.of("a", privateUse, "\uffff", emoji, emoji + "a"),
                (a, b) -> Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()));
    }

    @Test
    void binariesSortUnsignedWithZeroBytesAndPrefixesFirst() {
        assertOrder(ColumnType.VARBINARY, List.of(new byte[0], new byte[] {0}, new byte[] {0, 0}, new byte[] {0, 1},
                new byte[] {0, (byte) 0xFF}, new byte[] {1}, new byte[] {1, 0}, new byte[] {0x7F},
                new byte[] {(byte) 0x80}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xFF, 0}, new byte[] {(byte) 0xFF,
                    (byte) 0xFF}), Arrays::compareUnsigned);
    }

    @Test
    void tuplesSortColumnByColumnAndPrefixesAreBytePrefixes() {
        ColumnType[] types = {ColumnType.INTEGER, ColumnType.VARCHAR, ColumnType.DECIMAL};
        Object[][] ascending = {
            {null, "z", null},
            {Integer.MIN_VALUE, null, null},
            {-1, "", null},
            {-1, "", new BigDecimal("-5")},
            {-1, "a", BigDecimal.ZERO},
            {-1, "a\0", new BigDecimal("-100")},
            {-1, "ab", new BigDecimal("-100")},
            {0, null, BigDecimal.ONE},
            {0, "a", new BigDecimal("0.5")},
            {0, "a", new BigDecimal("0.50001")},
            {1, "", null},
        };
        for (int i = 0; i + 1 < ascending.length; i++) {
            byte[] a = KeyCodec.encodeTuple(types, ascending[i]);
            byte[] b = KeyCodec.encodeTuple(types, ascending[i + 1]);
            assertThat(Arrays.compareUnsigned(a, b)).as("%s < %s", Arrays.toString(ascending[i]),
                    Arrays.toString(ascending[i + 1])).isNegative();
            Object[] back = KeyCodec.decodeTuple(types, a, 0);
            assertThat(back[0]).isEqualTo(ascending[i][0]);
            assertThat(back[1]).isEqualTo(ascending[i][1]);
        }
        byte[] full = KeyCodec.encodeTuple(types, new Object[] {7, "x\0y", new BigDecimal("-2.5")});
        byte[] prefix = KeyCodec.encodeTuple(Arrays.copyOf(types, 2), new Object[] {7, "x\0y"});
        assertThat(Arrays.copyOf(full, prefix.length)).isEqualTo(prefix);
        ByteReader r = new ByteReader(full, 0);
        KeyCodec.skip(r, types[0]);
        KeyCodec.skip(r, types[1]);
        assertThat(r.position()).isEqualTo(prefix.length);
    }

    /** Random tuples (INTEGER, VARCHAR, DECIMAL, DOUBLE, VARBINARY) sort by bytes as by SQL. */
    @Test
    void randomTuplesSortAsTheirValues() {
        ColumnType[] types = {ColumnType.INTEGER, ColumnType.VARCHAR, ColumnType.DECIMAL, ColumnType.DOUBLE, ColumnType.VARBINARY};
        Random rnd = new Random(20240601);
        List<Object[]> tuples = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            tuples.add(new Object[] {
                rnd.nextInt(10) == 0 ? null : rnd.nextInt(7) - 3,
                rnd.nextInt(10) == 0 ? null : randomString(rnd),
                rnd.nextInt(10) == 0 ? null : new BigDecimal(BigInteger.valueOf(rnd.nextInt(2001) - 1000), rnd.nextInt(7) - 2),
                rnd.nextInt(10) == 0 ? null : randomDouble(rnd),
                rnd.nextInt(10) == 0 ? null : randomBytes(rnd)});
        }
        Comparator<Object[]> sql = (a, b) -> {
            for (int c = 0; c < types.length; c++) {
                int x = compareNullsFirst(types[c], a[c], b[c]);
                if (x != 0) {
                    return x;
                }
            }
            return 0;
        };
        List<byte[]> keys = new ArrayList<>();
        for (Object[] t : tuples) {
            keys.add(KeyCodec.encodeTuple(types, t));
        }
        for (int i = 0; i < 20_000; i++) {
            int a = rnd.nextInt(tuples.size());
            int b = rnd.nextInt(tuples.size());
            assertThat(Integer.signum(Arrays.compareUnsigned(keys.get(a), keys.get(b))))
                    .as("%s vs %s", Arrays.deepToString(tuples.get(a)), Arrays.deepToString(tuples.get(b)))
                    .isEqualTo(Integer.signum(sql.compare(tuples.get(a), tuples.get(b))));
        }
        // sorting by key bytes gives the SQL order
        List<Integer> byKey = new ArrayList<>();
        for (int i = 0; i < tuples.size(); i++) {
            byKey.add(i);
        }
        byKey.sort((x, y) -> Arrays.compareUnsigned(keys.get(x), keys.get(y)));
        for (int i = 0; i + 1 < byKey.size(); i++) {
            assertThat(sql.compare(tuples.get(byKey.get(i)), tuples.get(byKey.get(i + 1)))).isLessThanOrEqualTo(0);
        }
    }

    static String randomString(Random rnd) {
        char[] alphabet = {'\0', '\u0001', 'a', 'b', '\u00ff', '\u4e2d'};
        int n = rnd.nextInt(4);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(alphabet[rnd.nextInt(alphabet.length)]);
        }
        return b.toString();
    }

    static double randomDouble(Random rnd) {
        double[] special = {-0.0, 0.0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE};
        return rnd.nextInt(5) == 0 ? special[rnd.nextInt(special.length)] : (rnd.nextInt(200) - 100) / 8.0;
    }

    static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(3)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) new int[] {0, 1, 0x7F, 0x80, 0xFF}[rnd.nextInt(5)];
        }
        return b;
    }

    static int compareNullsFirst(ColumnType t, Object a, Object b) {
        if (a == null || b == null) {
            return a == b ? 0 : a == null ? -1 : 1;
        }
        switch (t) {
            case INTEGER:
                return Integer.compare((Integer) a, (Integer) b);
            case VARCHAR: // code point order (equal to UTF-16 order for these BMP characters)
                return Arrays.compareUnsigned(((String) a).getBytes(StandardCharsets.UTF_8), ((String) b).getBytes(StandardCharsets.UTF_8));
            case DECIMAL:
                return ((BigDecimal) a).compareTo((BigDecimal) b);
            case DOUBLE:
                return sqlDoubleOrder((Double) a, (Double) b);
            default:
                return Arrays.compareUnsigned((byte[]) a, (byte[]) b);
        }
    }
}
