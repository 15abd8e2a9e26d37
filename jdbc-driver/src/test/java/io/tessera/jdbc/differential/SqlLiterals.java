package io.tessera.jdbc.differential;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Renders Java values as SQL literals that H2 and Tessera (Calcite) both parse the same way. */
final class SqlLiterals {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private SqlLiterals() {
    }

    static String literal(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof String s) {
            return string(s);
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof Double d) {
            // plain decimal notation: both engines read it as an exact numeric and compare it with DOUBLE columns
            return BigDecimal.valueOf(d).toPlainString();
        }
        if (v instanceof LocalDate d) {
            return "DATE '" + d + "'";
        }
        if (v instanceof LocalDateTime t) {
            return "TIMESTAMP '" + TS.format(t) + "'";
        }
        if (v instanceof Timestamp t) {
            return literal(t.toLocalDateTime());
        }
        if (v instanceof Boolean b) {
            return b ? "TRUE" : "FALSE";
        }
        if (v instanceof Number n) {
            return n.toString();
        }
        throw new IllegalArgumentException("no literal for " + v.getClass());
    }

    static String string(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
