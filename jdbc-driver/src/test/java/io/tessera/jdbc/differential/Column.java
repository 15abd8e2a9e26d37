package io.tessera.jdbc.differential;

/** One column of a differential-test table: its SQL type (identical on both engines) and value kind. */
record Column(String name, Kind kind, String sqlType, boolean nullable) {

    /** Value kinds the generators know how to produce literals and expressions for. */
    enum Kind {
        INT, BIGINT, SMALLINT, DECIMAL, DOUBLE, VARCHAR, DATE, TIMESTAMP, BOOLEAN;

        boolean isInteger() {
            return this == INT || this == BIGINT || this == SMALLINT;
        }

        boolean isNumeric() {
            return isInteger() || this == DECIMAL || this == DOUBLE;
        }

        boolean isTemporal() {
            return this == DATE || this == TIMESTAMP;
        }

        /** Kinds that compare with each other without casts on both engines. */
        boolean comparableWith(Kind other) {
            if (isNumeric() && other.isNumeric()) {
                return true;
            }
            return this == other;
        }
    }
}
