package io.tessera.sql.parser;

import java.util.List;
import java.util.Objects;

import org.apache.calcite.sql.SqlCreate;
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
 * {@code CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (col [, col]*)}.
 * Kind {@link SqlKind#CREATE_INDEX}.
 */
public class SqlCreateIndex extends SqlCreate {
  private static final SqlOperator OPERATOR =
      new SqlSpecialOperator("CREATE INDEX", SqlKind.CREATE_INDEX);

  /** Index name (may be compound, e.g. {@code s.idx}). */
  public final SqlIdentifier name;
  public final SqlIdentifier table;
  /** Indexed columns (simple identifiers), in key order. */
  public final SqlNodeList columns;
  public final boolean unique;

  public SqlCreateIndex(SqlParserPos pos, boolean ifNotExists, boolean unique,
      SqlIdentifier name, SqlIdentifier table, SqlNodeList columns) {
    super(OPERATOR, pos, false, ifNotExists);
    this.unique = unique;
    this.name = Objects.requireNonNull(name, "name");
    this.table = Objects.requireNonNull(table, "table");
    this.columns = Objects.requireNonNull(columns, "columns");
  }

  /** Creates and validates (no column twice). */
  public static SqlCreateIndex create(SqlParserPos pos, boolean ifNotExists, boolean unique,
      SqlIdentifier name, SqlIdentifier table, SqlNodeList columns) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (SqlNode n : columns) {
      if (!seen.add(((SqlIdentifier) n).getSimple())) {
        throw TesseraDdlErrors.error(n.getParserPosition(),
            "Column " + n + " appears twice in index " + name);
      }
    }
    return new SqlCreateIndex(pos, ifNotExists, unique, name, table, columns);
  }

  /** Last component of the index name. */
  public String indexName() {
    return name.names.get(name.names.size() - 1);
  }

  /** Indexed column names, in key order. */
  public List<String> columnNames() {
    return SqlTableConstraint.names(columns);
  }

  @Override public SqlOperator getOperator() {
    return OPERATOR;
  }

  @Override public List<SqlNode> getOperandList() {
    return ImmutableNullableList.of(name, table, columns);
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    writer.keyword("CREATE");
    if (unique) {
      writer.keyword("UNIQUE");
    }
    writer.keyword("INDEX");
    if (ifNotExists) {
      writer.keyword("IF NOT EXISTS");
    }
    name.unparse(writer, 0, 0);
    writer.keyword("ON");
    table.unparse(writer, 0, 0);
    SqlTableConstraint.unparseList(writer, columns);
  }
}
