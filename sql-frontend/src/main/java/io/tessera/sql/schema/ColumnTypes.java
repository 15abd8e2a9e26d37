package io.tessera.sql.schema;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one mapping between Tessera's stored column types ({@link ColumnType}) and Calcite's SQL
 * types. Java forms agree on both sides (see {@code io.tessera.protocol.codec.Values}): DATE is
 * an int of days, TIME an int of milliseconds of the day, TIMESTAMP a long of milliseconds.
 */
public final class ColumnTypes {
  /** TIME and TIMESTAMP hold milliseconds. */
  public static final int DATETIME_PRECISION = 3;

  private ColumnTypes() {}

  /** The Calcite type of a column, with its length/precision/scale and nullability. */
  public static RelDataType toRelType(RelDataTypeFactory f, ColumnDef c) {
    return f.createTypeWithNullability(toRelType(f, c.getType(), c.getPrecision(), c.getScale()),
        c.getNullable());
  }

  /** The (NOT NULL) Calcite type of a stored type; precision 0 means the default/unbounded. */
  public static RelDataType toRelType(RelDataTypeFactory f, ColumnType type, int precision,
      int scale) {
    switch (type) {
      case BOOLEAN:
        return f.createSqlType(SqlTypeName.BOOLEAN);
      case TINYINT:
        return f.createSqlType(SqlTypeName.TINYINT);
      case SMALLINT:
        return f.createSqlType(SqlTypeName.SMALLINT);
      case INTEGER:
        return f.createSqlType(SqlTypeName.INTEGER);
      case BIGINT:
        return f.createSqlType(SqlTypeName.BIGINT);
      case DECIMAL:
        return precision > 0
            ? f.createSqlType(SqlTypeName.DECIMAL, precision, scale)
            : f.createSqlType(SqlTypeName.DECIMAL);
      case REAL:
        return f.createSqlType(SqlTypeName.REAL);
      case DOUBLE:
        return f.createSqlType(SqlTypeName.DOUBLE);
      case CHAR:
        return f.createSqlType(SqlTypeName.CHAR, precision > 0 ? precision : 1);
      case VARCHAR:
        return precision > 0
            ? f.createSqlType(SqlTypeName.VARCHAR, precision)
            : f.createSqlType(SqlTypeName.VARCHAR);
      case BINARY:
        return f.createSqlType(SqlTypeName.BINARY, precision > 0 ? precision : 1);
      case VARBINARY:
        return precision > 0
            ? f.createSqlType(SqlTypeName.VARBINARY, precision)
            : f.createSqlType(SqlTypeName.VARBINARY);
      case DATE:
        return f.createSqlType(SqlTypeName.DATE);
      case TIME:
        return f.createSqlType(SqlTypeName.TIME, DATETIME_PRECISION);
      case TIMESTAMP:
        return f.createSqlType(SqlTypeName.TIMESTAMP, DATETIME_PRECISION);
      default:
        throw new IllegalArgumentException("unsupported column type " + type);
    }
  }

  /** The stored type holding values of a Calcite type, or null if Tessera has none. */
  public static @Nullable ColumnType toColumnType(RelDataType type) {
    return toColumnType(type.getSqlTypeName());
  }

  /** The stored type holding values of a SQL type name, or null if Tessera has none. */
  public static @Nullable ColumnType toColumnType(@Nullable SqlTypeName type) {
    if (type == null) {
      return null;
    }
    switch (type) {
      case BOOLEAN:
        return ColumnType.BOOLEAN;
      case TINYINT:
        return ColumnType.TINYINT;
      case SMALLINT:
        return ColumnType.SMALLINT;
      case INTEGER:
        return ColumnType.INTEGER;
      case BIGINT:
        return ColumnType.BIGINT;
      case DECIMAL:
        return ColumnType.DECIMAL;
      case REAL:
        return ColumnType.REAL;
      case FLOAT:
      case DOUBLE:
        return ColumnType.DOUBLE;
      case CHAR:
        return ColumnType.CHAR;
      case VARCHAR:
        return ColumnType.VARCHAR;
      case BINARY:
        return ColumnType.BINARY;
      case VARBINARY:
        return ColumnType.VARBINARY;
      case DATE:
        return ColumnType.DATE;
      case TIME:
        return ColumnType.TIME;
      case TIMESTAMP:
        return ColumnType.TIMESTAMP;
      default:
        return null;
    }
  }
}
