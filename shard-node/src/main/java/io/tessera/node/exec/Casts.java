package io.tessera.node.exec;

import io.tessera.node.ShardException;
import io.tessera.protocol.proto.ColumnType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * Conversions between the column types (SQL CAST, and fitting computed values into their declared
 * result type). Numbers to integers truncate toward zero and fail with 22003 when out of range;
 * to DECIMAL(p, s) round half-up to s and fail with 22003 when more than p digits remain; strings
 * that do not parse fail with 22018; character and binary values are cut to their length and CHAR is
 * blank-padded. Datetime strings are ISO ({@code 2024-01-31}, {@code 13:45:00[.123]},
 * {@code 2024-01-31 13:45:00[.123]}).
 */
public final class Casts {
    private Casts() {}

    /** A conversion of a non-null value. */
    @FunctionalInterface
    public interface Conversion {
        Object apply(Object v);
    }

    /** The conversion from {@code from} to {@code to}, or 0A000 when there is none. */
    public static Conversion conversion(ColumnType from, SqlType to) {
        ColumnType t = to.type();
        if (from == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
            return v -> v; // only NULL has no type
        }
        if (SqlType.isExactInteger(t)) {
            if (SqlType.isExactInteger(from)) {
                return v -> narrow(t, ((Number) v).longValue());
            }
            if (from == ColumnType.DECIMAL) {
                return v -> narrow(t, longOf(((BigDecimal) v).setScale(0, RoundingMode.DOWN)));
            }
            if (SqlType.isApproximate(from)) {
                return v -> narrow(t, longOf(((Number) v).doubleValue()));
            }
            if (SqlType.isCharacter(from)) {
                return v -> narrow(t, parseLong((String) v));
            }
        } else if (t == ColumnType.DECIMAL) {
            if (SqlType.isNumeric(from)) {
                return v -> fitDecimal(decimalOf(v), to);
            }
            if (SqlType.isCharacter(from)) {
                return v -> fitDecimal(parseDecimal((String) v), to);
            }
        } else if (SqlType.isApproximate(t)) {
            if (SqlType.isNumeric(from)) {
                return t == ColumnType.REAL ? v -> ((Number) v).floatValue() : v -> ((Number) v).doubleValue();
            }
            if (SqlType.isCharacter(from)) {
                return t == ColumnType.REAL ? v -> (float) parseDouble((String) v) : v -> parseDouble((String) v);
            }
        } else if (SqlType.isCharacter(t)) {
            return v -> fitString(toStringValue(from, v), to);
        } else if (SqlType.isBinary(t)) {
            if (SqlType.isBinary(from)) {
                return v -> fitBinary((byte[]) v, to);
            }
        } else if (t == ColumnType.BOOLEAN) {
            if (from == ColumnType.BOOLEAN) {
                return v -> v;
            }
            if (SqlType.isCharacter(from)) {
                return v -> parseBoolean((String) v);
            }
        } else if (t == ColumnType.DATE) {
            if (from == ColumnType.DATE) {
                return v -> v;
            }
            if (from == ColumnType.TIMESTAMP) {
                return v -> (int) Math.floorDiv((Long) v, Domain.MILLIS_PER_DAY);
            }
            if (SqlType.isCharacter(from)) {
                return v -> parseDate((String) v);
            }
        } else if (t == ColumnType.TIME) {
            if (from == ColumnType.TIME) {
                return v -> v;
            }
            if (from == ColumnType.TIMESTAMP) {
                return v -> (int) Math.floorMod((Long) v, Domain.MILLIS_PER_DAY);
            }
            if (SqlType.isCharacter(from)) {
                return v -> parseTime((String) v);
            }
        } else if (t == ColumnType.TIMESTAMP) {
            if (from == ColumnType.TIMESTAMP) {
                return v -> v;
            }
            if (from == ColumnType.DATE) {
                return v -> (Integer) v * Domain.MILLIS_PER_DAY;
            }
            if (SqlType.isCharacter(from)) {
                return v -> parseTimestamp((String) v);
            }
        }
        throw ShardException.unsupported("CAST from " + from + " to " + t + " is not supported");
    }

    static Object narrow(ColumnType t, long v) {
        switch (t) {
            case TINYINT:
                if (v < Byte.MIN_VALUE || v > Byte.MAX_VALUE) {
                    throw outOfRange(t, v);
                }
                return (byte) v;
            case SMALLINT:
                if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) {
                    throw outOfRange(t, v);
                }
                return (short) v;
            case INTEGER:
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw outOfRange(t, v);
                }
                return (int) v;
            default:
                return v;
        }
    }

    static ShardException outOfRange(ColumnType t, Object v) {
        return ShardException.badRequest("22003", "value " + v + " out of range for " + t);
    }

    private static long longOf(BigDecimal d) {
        try {
            return d.longValueExact();
        } catch (ArithmeticException e) {
            throw outOfRange(ColumnType.BIGINT, d);
        }
    }

    private static long longOf(double d) {
        if (Double.isNaN(d) || d >= 0x1p63 || d < -0x1p63) {
            throw outOfRange(ColumnType.BIGINT, d);
        }
        return (long) d;
    }

    static BigDecimal decimalOf(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw outOfRange(ColumnType.DECIMAL, d);
            }
        }
        return Domain.toBigDecimal(v);
    }

    /** Rounds to the type's scale and checks its precision (precision 0 = unconstrained). */
    static BigDecimal fitDecimal(BigDecimal d, SqlType to) {
        if (to.precision() <= 0) {
            return d;
        }
        BigDecimal r = d.setScale(to.scale(), RoundingMode.HALF_UP);
        if (r.precision() - r.scale() > to.precision() - to.scale() && r.signum() != 0) {
            throw outOfRange(ColumnType.DECIMAL, d + " (DECIMAL(" + to.precision() + ", " + to.scale() + "))");
        }
        return r;
    }

    private static String fitString(String s, SqlType to) {
        int n = to.precision();
        if (n <= 0) {
            return s;
        }
        if (s.length() > n) {
            return s.substring(0, n);
        }
        if (to.type() == ColumnType.CHAR && s.length() < n) {
            return s + " ".repeat(n - s.length());
        }
        return s;
    }

    private static byte[] fitBinary(byte[] b, SqlType to) {
        int n = to.precision();
        if (n <= 0 || b.length == n || (b.length < n && to.type() == ColumnType.VARBINARY)) {
            return b;
        }
        return Arrays.copyOf(b, n); // cut, or zero-pad BINARY(n)
    }

    static String toStringValue(ColumnType from, Object v) {
        switch (from) {
            case DECIMAL:
                return ((BigDecimal) v).toPlainString();
            case BOOLEAN:
                return (Boolean) v ? "TRUE" : "FALSE";
            case DATE:
                return LocalDate.ofEpochDay((Integer) v).toString();
            case TIME:
                return formatTime((Integer) v);
            case TIMESTAMP: {
                long ms = (Long) v;
                LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(ms, 1000), (int) Math.floorMod(ms, 1000) * 1_000_000, ZoneOffset.UTC);
                return t.toLocalDate() + " " + formatTime((int) Math.floorMod(ms, Domain.MILLIS_PER_DAY));
            }
            case BINARY:
            case VARBINARY:
                throw ShardException.unsupported("CAST from " + from + " to a character type is not supported");
            default:
                return v.toString();
        }
    }

    private static String formatTime(int msOfDay) {
        LocalTime t = LocalTime.ofNanoOfDay(msOfDay * 1_000_000L);
        String s = String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        int ms = msOfDay % 1000;
        return ms == 0 ? s : s + String.format(".%03d", ms);
    }

    private static ShardException badCast(String s, String type) {
        return ShardException.badRequest("22018", "invalid character value for cast to " + type + ": '" + s + "'");
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            BigDecimal d = parseDecimal(s); // '12.0', '1e3' still denote integers
            if (d.stripTrailingZeros().scale() > 0) {
                throw badCast(s, "an integer type");
            }
            return longOf(d);
        }
    }

    private static BigDecimal parseDecimal(String s) {
        try {
            return new BigDecimal(s.trim());
        } catch (NumberFormatException e) {
            throw badCast(s, "DECIMAL");
        }
    }

    private static double parseDouble(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw badCast(s, "DOUBLE");
        }
    }

    private static Boolean parseBoolean(String s) {
        String t = s.trim();
        if (t.equalsIgnoreCase("TRUE")) {
            return Boolean.TRUE;
        }
        if (t.equalsIgnoreCase("FALSE")) {
            return Boolean.FALSE;
        }
        throw badCast(s, "BOOLEAN");
    }

    private static Integer parseDate(String s) {
        try {
            return (int) LocalDate.parse(s.trim()).toEpochDay();
        } catch (DateTimeParseException e) {
            throw badCast(s, "DATE");
        }
    }

    private static Integer parseTime(String s) {
        try {
            return (int) (LocalTime.parse(s.trim()).toNanoOfDay() / 1_000_000L);
        } catch (DateTimeParseException e) {
            throw badCast(s, "TIME");
        }
    }

    private static Long parseTimestamp(String s) {
        String t = s.trim();
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t).toEpochDay() * Domain.MILLIS_PER_DAY;
            }
            LocalDateTime dt = LocalDateTime.parse(t.replace(' ', 'T'));
            return dt.toEpochSecond(ZoneOffset.UTC) * 1000 + dt.getNano() / 1_000_000;
        } catch (DateTimeParseException e) {
            throw badCast(s, "TIMESTAMP");
        }
    }
}
