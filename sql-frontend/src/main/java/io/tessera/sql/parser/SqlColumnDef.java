package io.tessera.sql.parser;

import java.util.List;
import java.util.Objects;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlTypeNameSpec;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.ImmutableNullableList;

/**
 * A column of {@code CREATE TABLE}:
 * {@code name type [NOT NULL | NULL] [DEFAULT expr] [PRIMARY KEY] [UNIQUE]}.
 *
 * <p>{@link #dataType} is null only for a bare column name in {@code CREATE TABLE t (a, b) AS
 * query}. {@code TEXT} is parsed as VARCHAR without a length: its type spec derives VARCHAR and
 * unparses as {@code TEXT}; {@link #sqlTypeName()} returns {@link SqlTypeName#VARCHAR} and
 * {@link #precision()} -1.
 */
public class SqlColumnDef extends SqlCall {
  private static final SqlOperator OPERATOR =
      new SqlSpecialOperator("COLUMN_DECL", SqlKind.COLUMN_DECL);

  public final SqlIdentifier name;
  /** The declared type, with {@link SqlDataTypeSpec#getNullable()} = {@link #nullable}; or null. */
  public final SqlDataTypeSpec dataType;
  /**
   * False if the column was declared {@code NOT NULL}. A primary-key column is implicitly NOT
   * NULL even when this is true: use {@link SqlCreateTesseraTable#isNullable(SqlColumnDef)}.
   */
  public final boolean nullable;
  /** The {@code DEFAULT} expression, or null. */
  public final SqlNode defaultValue;
  /** Column-level {@code PRIMARY KEY}. */
  public final boolean primaryKey;
  /** Column-level {@code UNIQUE}. */
  public final boolean unique;

  public SqlColumnDef(SqlParserPos pos, SqlIdentifier name, SqlDataTypeSpec dataType,
      boolean nullable, SqlNode defaultValue, boolean primaryKey, boolean unique) {
    super(pos);
    this.name = Objects.requireNonNull(name, "name");
    this.dataType = dataType;
    this.nullable = nullable;
    this.defaultValue = defaultValue;
    this.primaryKey = primaryKey;
    this.unique = unique;
  }

  /** The column name (already case-normalized by the parser). */
  public String columnName() {
    return name.getSimple();
  }

  /**
   * The SQL type name of a built-in type ({@code TEXT} gives VARCHAR, {@code INT} gives INTEGER,
   * {@code NUMERIC} gives DECIMAL, {@code DOUBLE PRECISION} gives DOUBLE), or null if there is no
   * type or it is not a built-in scalar type (user-defined, ROW, collection, ...).
   */
  public SqlTypeName sqlTypeName() {
    SqlBasicTypeNameSpec basic = basicSpec();
    if (basic == null) {
      return null;
    }
    return SqlTypeName.get(basic.getTypeName().getSimple());
  }

  /** Declared precision/length, or -1 ({@link RelDataType#PRECISION_NOT_SPECIFIED}). */
  public int precision() {
    SqlBasicTypeNameSpec basic = basicSpec();
    return basic == null ? RelDataType.PRECISION_NOT_SPECIFIED : basic.getPrecision();
  }

  /** Declared scale, or {@link RelDataType#SCALE_NOT_SPECIFIED} (Integer.MIN_VALUE). */
  public int scale() {
    SqlBasicTypeNameSpec basic = basicSpec();
    return basic == null ? RelDataType.SCALE_NOT_SPECIFIED : basic.getScale();
  }

  private SqlBasicTypeNameSpec basicSpec() {
    if (dataType == null) {
      return null;
    }
    SqlTypeNameSpec spec = dataType.getTypeNameSpec();
    return spec instanceof SqlBasicTypeNameSpec ? (SqlBasicTypeNameSpec) spec : null;
  }

  @Override public SqlOperator getOperator() {
    return OPERATOR;
  }

  @Override public List<SqlNode> getOperandList() {
    return ImmutableNullableList.of(name, dataType, defaultValue);
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    name.unparse(writer, 0, 0);
    if (dataType != null) {
      dataType.unparse(writer, 0, 0);
      // NOT NULL before DEFAULT, so that the default expression cannot absorb it on re-parse.
      if (!nullable) {
        writer.keyword("NOT NULL");
      }
      if (defaultValue != null) {
        writer.keyword("DEFAULT");
        unparseExpression(writer, defaultValue);
      }
      if (primaryKey) {
        writer.keyword("PRIMARY KEY");
      }
      if (unique) {
        writer.keyword("UNIQUE");
      }
    }
  }

  /** Literals and identifiers as is, anything else in parentheses. */
  static void unparseExpression(SqlWriter writer, SqlNode e) {
    if (e instanceof SqlLiteral || e instanceof SqlIdentifier) {
      e.unparse(writer, 0, 0);
    } else {
      SqlWriter.Frame frame = writer.startList("(", ")");
      e.unparse(writer, 0, 0);
      writer.endList(frame);
    }
  }
}
