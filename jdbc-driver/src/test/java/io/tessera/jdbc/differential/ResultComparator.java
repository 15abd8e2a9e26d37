package io.tessera.jdbc.differential;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Compares the normalised results of H2 (expected) and Tessera (actual): as lists when the query totally orders its
 * output, otherwise as sorted multisets. Exact numbers compare by value ({@code compareTo}, scale-insensitive),
 * floating-point numbers (and a float against an exact number) with a relative tolerance.
 */
final class ResultComparator {
    static final double RELATIVE_TOLERANCE = 1e-9;
    private static final int SHOWN_ROWS = 8;

    private ResultComparator() {
    }

    /** Empty when both agree, otherwise a human-readable description of the difference. */
    static Optional<String> compare(QueryResult expected, QueryResult actual, boolean ordered) {
        if (expected.columnCount() != actual.columnCount()) {
            return Optional.of("column count: H2 " + expected.columnCount() + ", Tessera " + actual.columnCount()
                    + "\n" + describe("H2", expected) + describe("Tessera", actual));
        }
        List<List<Object>> e = expected.rows();
        List<List<Object>> a = actual.rows();
        if (!ordered) {
            e = sorted(e);
            a = sorted(a);
        }
        if (ordered) {
            int n = Math.min(e.size(), a.size());
            for (int i = 0; i < n; i++) {
                if (!rowsEqual(e.get(i), a.get(i))) {
                    return Optional.of("first difference at row " + i + " (ordered comparison): H2 "
                            + format(e.get(i)) + " vs Tessera " + format(a.get(i))
                            + (e.size() != a.size() ? "; row counts H2 " + e.size() + ", Tessera " + a.size() : "")
                            + "\n" + describe("H2", expected) + describe("Tessera", actual));
                }
            }
            if (e.size() != a.size()) {
                return Optional.of("row counts H2 " + e.size() + ", Tessera " + a.size()
                        + " (the common prefix is equal)\n" + describe("H2", expected) + describe("Tessera", actual));
            }
            return Optional.empty();
        }
        List<List<Object>> missing = new ArrayList<>();
        List<List<Object>> extra = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < e.size() || j < a.size()) {
            if (i < e.size() && j < a.size() && rowsEqual(e.get(i), a.get(j))) {
                i++;
                j++;
            } else if (j >= a.size() || (i < e.size() && ROWS.compare(e.get(i), a.get(j)) < 0)) {
                missing.add(e.get(i++));
            } else {
                extra.add(a.get(j++));
            }
        }
        if (missing.isEmpty() && extra.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("multisets differ (unordered comparison): H2 " + e.size() + " rows, Tessera " + a.size()
                + " rows; " + missing.size() + " rows only in H2, e.g. " + formatRows(missing, 5) + "; "
                + extra.size() + " rows only in Tessera, e.g. " + formatRows(extra, 5));
    }

    static String describe(String engine, QueryResult r) {
        return "  " + engine + " (" + r.rows().size() + " rows): " + formatRows(r.rows(), SHOWN_ROWS) + "\n";
    }

    static String formatRows(List<List<Object>> rows, int max) {
        String shown = rows.stream().limit(max).map(ResultComparator::format).collect(Collectors.joining(", "));
        return "[" + shown + (rows.size() > max ? ", ... " + (rows.size() - max) + " more" : "") + "]";
    }

    static String format(List<Object> row) {
        return row.stream().map(ResultComparator::format).collect(Collectors.joining(", ", "(", ")"));
    }

    static String format(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof String s) {
            return "'" + s + "'";
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof QueryResult.Temporal t) {
            return t.text();
        }
        return v.toString();
    }

    static List<List<Object>> sorted(List<List<Object>> rows) {
        List<List<Object>> copy = new ArrayList<>(rows);
        copy.sort(ROWS);
        return copy;
    }

    static boolean rowsEqual(List<Object> x, List<Object> y) {
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (!valuesEqual(x.get(i), y.get(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean valuesEqual(Object x, Object y) {
        if (x == null || y == null) {
            return x == y;
        }
        if (x instanceof BigDecimal a && y instanceof BigDecimal b) {
            return a.compareTo(b) == 0;
        }
        if (x instanceof Number a && y instanceof Number b) {
            double da = a.doubleValue();
            double db = b.doubleValue();
            if (da == db) {
                return true;
            }
            double scale = Math.max(1.0, Math.max(Math.abs(da), Math.abs(db)));
            return Math.abs(da - db) <= RELATIVE_TOLERANCE * scale;
        }
        return x.equals(y);
    }

    private static int rank(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof Number) {
            return 1;
        }
        if (v instanceof String) {
            return 2;
        }
        if (v instanceof QueryResult.Temporal) {
            return 3;
        }
        if (v instanceof Boolean) {
            return 4;
        }
        return 5;
    }

    static final Comparator<Object> VALUES = (x, y) -> {
        int rx = rank(x);
        int ry = rank(y);
        if (rx != ry) {
            return Integer.compare(rx, ry);
        }
        if (x == null) {
            return 0;
        }
        if (x instanceof BigDecimal a && y instanceof BigDecimal b) {
            return a.compareTo(b);
        }
        if (x instanceof Number a && y instanceof Number b) {
            return Double.compare(a.doubleValue(), b.doubleValue());
        }
        if (x instanceof String a && y instanceof String b) {
            return a.compareTo(b);
        }
        if (x instanceof QueryResult.Temporal a && y instanceof QueryResult.Temporal b) {
            return a.compareTo(b);
        }
        if (x instanceof Boolean a && y instanceof Boolean b) {
            return a.compareTo(b);
        }
        return x.toString().compareTo(y.toString());
    };

    static final Comparator<List<Object>> ROWS = (x, y) -> {
        int n = Math.min(x.size(), y.size());
        for (int i = 0; i < n; i++) {
            int c = VALUES.compare(x.get(i), y.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.size(), y.size());
    };
}
