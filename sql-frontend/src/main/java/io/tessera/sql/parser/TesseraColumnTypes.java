package io.tessera.sql.parser;

import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.dialect.CalciteSqlDialect;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.sql.schema.ColumnTypes;

/**
 * Maps parsed column definitions to the stored {@link ColumnDef} of {@code meta.proto}.
 *
 * <ul>
 *   <li>INT/INTEGER → INTEGER, NUMERIC/DECIMAL → DECIMAL, FLOAT and DOUBLE [PRECISION] → DOUBLE
 *       (Calcite's FLOAT is an 8-byte approximate type), TEXT → VARCHAR with precision 0;</li>
 *   <li>precision: the length of CHAR/VARCHAR/BINARY/VARBINARY (0 = unbounded; CHAR and BINARY
 *       without a length are 1, as in standard SQL), the precision of DECIMAL (0 = not given);
 *       scale: DECIMAL only (0 if not given);</li>
 *   <li>nullable: false if declared NOT NULL or part of the primary key;</li>
 *   <li>default_sql: the DEFAULT expression unparsed with Calcite's dialect (double-quoted
 *       identifiers), parseable with {@code SqlParser.config()}.</li>
 * </ul>
 * Any other type (TIME WITH TIME ZONE, ARRAY, user-defined, ...) raises an error carrying the
 * column's parser position.
 */
public final class TesseraColumnTypes {
  private TesseraColumnTypes() {
  }

  /** The stored type of a column, or throws (with position) if Tessera cannot store it. */
  public static ColumnType columnType(SqlColumnDef column) {
    ColumnType t = ColumnTypes.toColumnType(column.sqlTypeName());
    if (t == null) {
      throw unsupported(column);
    }
    return t;
  }

  /** The {@link ColumnDef} of {@code column} of {@code table} (name, type, length, ...). */
  public static ColumnDef toColumnDef(SqlCreateTesseraTable table, SqlColumnDef column) {
    ColumnType type = columnType(column);
    int precision = column.precision();
    int scale = column.scale();
    switch (type) {
    case CHAR:
    case BINARY:
      precision = precision < 0 ? 1 : precision;
      scale = 0;
      break;
    case VARCHAR:
    case VARBINARY:
    case DECIMAL:
      precision = Math.max(precision, 0);
      scale = type == ColumnType.DECIMAL ? Math.max(scale, 0) : 0;
      break;
    default:
      precision = 0;
      scale = 0;
    }
    ColumnDef.Builder b = ColumnDef.newBuilder()
        .setName(column.columnName())
        .setType(type)
        .setPrecision(precision)
        .setScale(scale)
        .setNullable(table.isNullable(column));
    String defaultSql = defaultSql(column);
    if (defaultSql != null) {
      b.setDefaultSql(defaultSql);
    }
    return b.build();
  }

  /** SQL text of the DEFAULT expression, or null if there is none. */
  public static String defaultSql(SqlColumnDef column) {
    SqlNode e = column.defaultValue;
    return e == null ? null : e.toSqlString(CalciteSqlDialect.DEFAULT).getSql();
  }

  private static CalciteContextException unsupported(SqlColumnDef column) {
    String type = column.dataType == null ? "(none)"
        : column.dataType.toSqlString(CalciteSqlDialect.DEFAULT).getSql();
    return TesseraDdlErrors.error(
        column.dataType == null ? column.getParserPosition()
            : column.dataType.getParserPosition(),
        "Unsupported type " + type + " for column " + column.columnName());
  }
}
