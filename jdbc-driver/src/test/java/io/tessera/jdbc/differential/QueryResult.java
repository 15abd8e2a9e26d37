package io.tessera.jdbc.differential;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The normalised outcome of one statement on one engine: rows of normalised values, or the error it raised.
 *
 * <p>Normalisation: every exact number (any integer type, BigInteger, BigDecimal) becomes a BigDecimal without
 * trailing zeros, so {@code 5}, {@code 5L} and {@code 5.00} are the same value; floating-point numbers stay
 * {@link Double} and are compared with a relative tolerance; dates, times and timestamps become their canonical
 * string forms ({@code 2020-01-31}, {@code 2020-01-31 10:11:12[.fraction]}) wrapped in {@link Temporal} so that
 * they never compare equal to a VARCHAR.
 */
record QueryResult(int columnCount, List<List<Object>> rows, Throwable error, long micros) {

    /** A date, time or timestamp in canonical string form. */
    record Temporal(String text) implements Comparable<Temporal> {
        @Override
        public int compareTo(Temporal o) {
            return text.compareTo(o.text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    static QueryResult failed(Throwable error, long micros) {
        return new QueryResult(0, List.of(), error, micros);
    }

    static QueryResult read(ResultSet rs, long startNanos) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                row.add(normalise(rs.getObject(i)));
            }
            rows.add(row);
        }
        return new QueryResult(n, rows, null, (System.nanoTime() - startNanos) / 1000);
    }

    boolean failed() {
        return error != null;
    }

    static Object normalise(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof BigDecimal d) {
            return strip(d);
        }
        if (v instanceof Double || v instanceof Float) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return BigDecimal.valueOf(((Number) v).longValue());
        }
        if (v instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (v instanceof java.sql.Date d) {
            return new Temporal(d.toLocalDate().toString());
        }
        if (v instanceof LocalDate d) {
            return new Temporal(d.toString());
        }
        if (v instanceof Timestamp t) {
            return new Temporal(timestamp(t.toLocalDateTime()));
        }
        if (v instanceof LocalDateTime t) {
            return new Temporal(timestamp(t));
        }
        if (v instanceof OffsetDateTime t) {
            return new Temporal(timestamp(t.toLocalDateTime()) + " " + t.getOffset());
        }
        if (v instanceof Time t) {
            return new Temporal(t.toLocalTime().toString());
        }
        if (v instanceof LocalTime t) {
            return new Temporal(t.toString());
        }
        if (v instanceof java.util.Date d) { // some other Date subclass: keep the instant
            return new Temporal(d.toInstant().toString());
        }
        if (v instanceof byte[] bytes) {
            StringBuilder sb = new StringBuilder("X'");
            for (byte b : bytes) {
                sb.append(String.format("%02x", b));
            }
            return sb.append('\'').toString();
        }
        if (v instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        return v; // String, Boolean
    }

    private static BigDecimal strip(BigDecimal d) {
        return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
    }

    private static String timestamp(LocalDateTime t) {
        String s = t.toLocalDate() + " " + String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        if (t.getNano() != 0) {
            String frac = String.format("%09d", t.getNano()).replaceAll("0+$", "");
            s += "." + frac;
        }
        return s;
    }
}
