package io.tessera.sql.parser;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.util.ImmutableNullableList;

/**
 * A table-level key constraint of {@code CREATE TABLE}:
 * {@code [CONSTRAINT name] PRIMARY KEY (cols)} or {@code [CONSTRAINT name] UNIQUE (cols)}.
 *
 * <p>{@link SqlCreateTesseraTable#primaryKey()} and
 * {@link SqlCreateTesseraTable#uniqueConstraints()} also synthesize instances of this class for
 * column-level {@code PRIMARY KEY} / {@code UNIQUE}.
 */
public class SqlTableConstraint extends SqlCall {
  /** Kind of key. */
  public enum Type {
    PRIMARY_KEY,
    UNIQUE
  }

  private static final SqlOperator PRIMARY_OPERATOR =
      new SqlSpecialOperator("PRIMARY KEY", SqlKind.PRIMARY_KEY);
  private static final SqlOperator UNIQUE_OPERATOR =
      new SqlSpecialOperator("UNIQUE", SqlKind.UNIQUE);

  public final Type type;
  /** Constraint name ({@code CONSTRAINT name}), or null if none was given. */
  public final SqlIdentifier name;
  /** Key columns, simple {@link SqlIdentifier}s, in key order. */
  public final SqlNodeList columns;

  public SqlTableConstraint(SqlParserPos pos, Type type, SqlIdentifier name,
      SqlNodeList columns) {
    super(pos);
    this.type = Objects.requireNonNull(type, "type");
    this.name = name;
    this.columns = Objects.requireNonNull(columns, "columns");
  }

  public boolean isPrimaryKey() {
    return type == Type.PRIMARY_KEY;
  }

  /** Constraint name, or null. */
  public String constraintName() {
    return name == null ? null : name.getSimple();
  }

  /** Key column names, in key order. */
  public List<String> columnNames() {
    return names(columns);
  }

  static List<String> names(SqlNodeList list) {
    if (list == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(list.size());
    for (SqlNode n : list) {
      out.add(((SqlIdentifier) n).getSimple());
    }
    return Collections.unmodifiableList(out);
  }

  @Override public SqlOperator getOperator() {
    return type == Type.PRIMARY_KEY ? PRIMARY_OPERATOR : UNIQUE_OPERATOR;
  }

  @Override public List<SqlNode> getOperandList() {
    return ImmutableNullableList.of(name, columns);
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    if (name != null) {
      writer.keyword("CONSTRAINT");
      name.unparse(writer, 0, 0);
    }
    writer.keyword(type == Type.PRIMARY_KEY ? "PRIMARY KEY" : "UNIQUE");
    unparseList(writer, columns);
  }

  static void unparseList(SqlWriter writer, SqlNodeList list) {
    SqlWriter.Frame frame = writer.startList("(", ")");
    for (SqlNode c : list) {
      writer.sep(",");
      c.unparse(writer, 0, 0);
    }
    writer.endList(frame);
  }
}
