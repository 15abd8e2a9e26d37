package io.tessera.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.ColumnType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Rows survive encode/decode with their canonical Java forms, NULLs, and schema growth. */
class RowCodecRoundTripTest {
    static final ColumnType[] ALL = {ColumnType.BOOLEAN, ColumnType.TINYINT, ColumnType.SMALLINT, ColumnType.INTEGER,
        ColumnType.BIGINT, ColumnType.DECIMAL, ColumnType.REAL, ColumnType.DOUBLE, ColumnType.CHAR, ColumnType.VARCHAR,
        ColumnType.BINARY, ColumnType.VARBINARY, ColumnType.DATE, ColumnType.TIME, ColumnType.TIMESTAMP};

    static void assertRoundTrip(ColumnType[] types, Object[] row) {
        RowCodec codec = new RowCodec(types);
        Object[] back = codec.decode(codec.encode(row));
        assertThat(back).hasSize(types.length);
        for (int i = 0; i < types.length; i++) {
            Object expected = Values.normalize(types[i], row[i]);
            if (expected instanceof byte[]) {
                assertThat((byte[]) back[i]).as("column %d", i).isEqualTo((byte[]) expected);
            } else if (expected instanceof BigDecimal) {
                assertThat(back[i]).as("column %d keeps value and scale", i).isEqualTo(expected);
            } else {
                assertThat(back[i]).as("column %d (%s)", i, types[i]).isEqualTo(expected);
            }
            if (expected != null) {
                assertThat(back[i]).isInstanceOf(expected.getClass());
            }
        }
    }

    @Test
    void everyTypeRoundTripsWithItsJavaForm() {
        assertRoundTrip(ALL, new Object[] {true, (byte) -128, (short) -32768, Integer.MIN_VALUE, Long.MAX_VALUE,
            new BigDecimal("-12345678901234567890.000123"), -0.0f, Double.NaN, "ch ", "\0multi\u4e2d\uD83D\uDE00",
            new byte[] {0, (byte) 0xFF}, new byte[0], -719_162, 86_399_999, -1L});
        assertRoundTrip(ALL, new Object[] {false, (byte) 127, (short) 32767, Integer.MAX_VALUE, Long.MIN_VALUE,
            new BigDecimal("1E+30"), Float.MAX_VALUE, Double.NEGATIVE_INFINITY, "", "", new byte[] {1}, new byte[300],
            2_932_896, 0, Long.MAX_VALUE});
    }

    @Test
    void nullsRoundTripInEveryPosition() {
        assertRoundTrip(ALL, new Object[ALL.length]);
        Random rnd = new Random(7);
        for (int n = 0; n < 200; n++) {
            Object[] row = sample();
            for (int i = 0; i < row.length; i++) {
                if (rnd.nextBoolean()) {
                    row[i] = null;
                }
            }
            assertRoundTrip(ALL, row);
        }
    }

    static Object[] sample() {
        return new Object[] {true, (byte) 1, (short) 2, 3, 4L, new BigDecimal("5.50"), 6.5f, 7.25, "eight", "nine",
            new byte[] {10}, new byte[] {11, 11}, 12, 13, 14L};
    }

    @Test
    void decimalsKeepTheirScaleIncludingNegativeAndLargeOnes() {
        ColumnType[] t = {ColumnType.DECIMAL};
        for (String s : new String[] {"0", "0.00", "-0.001", "1E+5", "-1.5E+300", "123456789012345678901234567890.5",
            "1E-400", "-7"}) {
            assertRoundTrip(t, new Object[] {new BigDecimal(s)});
        }
        assertRoundTrip(t, new Object[] {new BigDecimal(BigInteger.ONE.shiftLeft(500).negate(), 3)});
    }

    @Test
    void numericValuesAreNormalisedToTheColumnType() {
        RowCodec codec = new RowCodec(new ColumnType[] {ColumnType.BIGINT, ColumnType.DOUBLE, ColumnType.DECIMAL});
        Object[] back = codec.decode(codec.encode(new Object[] {5, 1.5f, 3L}));
        assertThat(back).containsExactly(5L, 1.5, new BigDecimal("3"));
    }

    @Test
    void wideRowsUseSeveralBitmapBytes() {
        ColumnType[] types = new ColumnType[70];
        Arrays.fill(types, ColumnType.INTEGER);
        Object[] row = new Object[70];
        for (int i = 0; i < 70; i++) {
            row[i] = i % 3 == 0 ? null : i * 1000;
        }
        assertRoundTrip(types, row);
    }

    @Test
    void rowsWrittenBeforeColumnsWereAddedReadTheNewColumnsAsNull() {
        RowCodec v1 = new RowCodec(new ColumnType[] {ColumnType.BIGINT, ColumnType.VARCHAR});
        RowCodec v2 = new RowCodec(new ColumnType[] {ColumnType.BIGINT, ColumnType.VARCHAR, ColumnType.INTEGER,
            ColumnType.DECIMAL, ColumnType.VARCHAR, ColumnType.BOOLEAN, ColumnType.DATE, ColumnType.TIME, ColumnType.REAL});
        assertThat(v2.decode(v1.encode(new Object[] {1L, "a"})))
                .containsExactly(1L, "a", null, null, null, null, null, null, null);
    }

    @Test
    void encodingIsCompact() {
        RowCodec codec = new RowCodec(new ColumnType[] {ColumnType.BIGINT, ColumnType.INTEGER, ColumnType.VARCHAR});
        assertThat(codec.encode(new Object[] {1L, null, "abc"})).hasSize(1 + 1 + 8 + 1 + 3);
    }
}
