package io.tessera.node.exec;

import io.tessera.node.ShardException;
import io.tessera.protocol.proto.ColumnType;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Where two values of (possibly different) types are compared, after SQL numeric promotion:
 * exact integers as {@code long}, any approximate number as {@code double}, decimals with exact
 * integers as {@link BigDecimal}; strings by {@link String#compareTo}; binaries unsigned
 * lexicographically; DATE with TIMESTAMP in milliseconds. Inputs are non-null Java forms of the types.
 */
public enum Domain {
    LONG {
        @Override
        public int compare(Object a, Object b) {
            return Long.compare(((Number) a).longValue(), ((Number) b).longValue());
        }

        @Override
        public Object canonical(Object v) {
            return ((Number) v).longValue();
        }
    },
    DOUBLE {
        @Override
        public int compare(Object a, Object b) {
            return compareDoubles(((Number) a).doubleValue(), ((Number) b).doubleValue());
        }

        @Override
        public Object canonical(Object v) {
            double d = ((Number) v).doubleValue();
            return d == 0.0 ? 0.0 : d; // -0.0 equals 0.0
        }
    },
    DECIMAL {
        @Override
        public int compare(Object a, Object b) {
            return toBigDecimal(a).compareTo(toBigDecimal(b));
        }

        @Override
        public Object canonical(Object v) {
            return toBigDecimal(v).stripTrailingZeros();
        }
    },
    STRING {
        @Override
        public int compare(Object a, Object b) {
            return ((String) a).compareTo((String) b);
        }

        @Override
        public Object canonical(Object v) {
            return v;
        }
    },
    BINARY {
        @Override
        public int compare(Object a, Object b) {
            return Arrays.compareUnsigned((byte[]) a, (byte[]) b);
        }

        @Override
        public Object canonical(Object v) {
            return ByteBuffer.wrap((byte[]) v);
        }
    },
    BOOLEAN {
        @Override
        public int compare(Object a, Object b) {
            return Boolean.compare((Boolean) a, (Boolean) b);
        }

        @Override
        public Object canonical(Object v) {
            return v;
        }
    },
    /** DATE (Integer days) against TIMESTAMP (Long milliseconds). */
    MILLIS {
        @Override
        public int compare(Object a, Object b) {
            return Long.compare(millis(a), millis(b));
        }

        @Override
        public Object canonical(Object v) {
            return millis(v);
        }
    };

    static final long MILLIS_PER_DAY = 86_400_000L;

    /** Compares two non-null values of this domain. */
    public abstract int compare(Object a, Object b);

    /** A representation with equals/hashCode agreeing with {@link #compare} (for IN lists). */
    public abstract Object canonical(Object v);

    public static Domain of(ColumnType a, ColumnType b) {
        if (a == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
            a = b;
        }
        if (b == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
            b = a;
        }
        if (a == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
            return LONG; // NULL against NULL: never compared
        }
        if (SqlType.isNumeric(a) && SqlType.isNumeric(b)) {
            if (SqlType.isApproximate(a) || SqlType.isApproximate(b)) {
                return DOUBLE;
            }
            if (a == ColumnType.DECIMAL || b == ColumnType.DECIMAL) {
                return DECIMAL;
            }
            return LONG;
        }
        if (SqlType.isCharacter(a) && SqlType.isCharacter(b)) {
            return STRING;
        }
        if (SqlType.isBinary(a) && SqlType.isBinary(b)) {
            return BINARY;
        }
        if (a == ColumnType.BOOLEAN && b == ColumnType.BOOLEAN) {
            return BOOLEAN;
        }
        if (a == b && SqlType.isDatetime(a)) {
            return LONG;
        }
        if ((a == ColumnType.DATE && b == ColumnType.TIMESTAMP) || (a == ColumnType.TIMESTAMP && b == ColumnType.DATE)) {
            return MILLIS;
        }
        throw ShardException.unsupported("cannot compare " + a + " with " + b);
    }

    static int compareDoubles(double x, double y) {
        if (x < y) {
            return -1;
        }
        if (x > y) {
            return 1;
        }
        return x == y ? 0 : Double.compare(x, y); // NaN: after everything, equal to itself
    }

    static BigDecimal toBigDecimal(Object v) {
        if (v instanceof BigDecimal) {
            return (BigDecimal) v;
        }
        if (v instanceof Double || v instanceof Float) {
            return new BigDecimal(v.toString());
        }
        return BigDecimal.valueOf(((Number) v).longValue());
    }

    static long millis(Object v) {
        return v instanceof Integer ? ((Integer) v) * MILLIS_PER_DAY : ((Number) v).longValue();
    }
}
