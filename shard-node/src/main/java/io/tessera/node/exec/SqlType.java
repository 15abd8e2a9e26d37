package io.tessera.node.exec;

import io.tessera.protocol.proto.ColumnType;

/**
 * A column type with its precision (length of character/binary types, precision of DECIMAL; 0 =
 * unbounded/unspecified) and scale. {@link ColumnType#COLUMN_TYPE_UNSPECIFIED} is the type of an
 * untyped NULL literal.
 */
public record SqlType(ColumnType type, int precision, int scale) {
    public static final SqlType BOOLEAN = of(ColumnType.BOOLEAN);
    public static final SqlType NULL = of(ColumnType.COLUMN_TYPE_UNSPECIFIED);

    public static SqlType of(ColumnType type) {
        return new SqlType(type, 0, 0);
    }

    public boolean isNullType() {
        return type == ColumnType.COLUMN_TYPE_UNSPECIFIED;
    }

    public static boolean isExactInteger(ColumnType t) {
        return t == ColumnType.TINYINT || t == ColumnType.SMALLINT || t == ColumnType.INTEGER || t == ColumnType.BIGINT;
    }

    public static boolean isApproximate(ColumnType t) {
        return t == ColumnType.REAL || t == ColumnType.DOUBLE;
    }

    public static boolean isNumeric(ColumnType t) {
        return isExactInteger(t) || isApproximate(t) || t == ColumnType.DECIMAL;
    }

    public static boolean isCharacter(ColumnType t) {
        return t == ColumnType.CHAR || t == ColumnType.VARCHAR;
    }

    public static boolean isBinary(ColumnType t) {
        return t == ColumnType.BINARY || t == ColumnType.VARBINARY;
    }

    public static boolean isDatetime(ColumnType t) {
        return t == ColumnType.DATE || t == ColumnType.TIME || t == ColumnType.TIMESTAMP;
    }
}
