package io.tessera.sql.parser;

import java.util.List;
import java.util.Objects;

import org.apache.calcite.sql.SqlDrop;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.util.ImmutableNullableList;

/** {@code DROP INDEX [IF EXISTS] name [ON table]}. Kind {@link SqlKind#DROP_INDEX}. */
public class SqlDropIndex extends SqlDrop {
  private static final SqlOperator OPERATOR =
      new SqlSpecialOperator("DROP INDEX", SqlKind.DROP_INDEX);

  public final SqlIdentifier name;
  /** The table of {@code ON table}, or null if not given. */
  public final SqlIdentifier table;

  public SqlDropIndex(SqlParserPos pos, boolean ifExists, SqlIdentifier name,
      SqlIdentifier table) {
    super(OPERATOR, pos, ifExists);
    this.name = Objects.requireNonNull(name, "name");
    this.table = table;
  }

  /** Last component of the index name. */
  public String indexName() {
    return name.names.get(name.names.size() - 1);
  }

  @Override public SqlOperator getOperator() {
    return OPERATOR;
  }

  @Override public List<SqlNode> getOperandList() {
    return ImmutableNullableList.of(name, table);
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    writer.keyword("DROP INDEX");
    if (ifExists) {
      writer.keyword("IF EXISTS");
    }
    name.unparse(writer, 0, 0);
    if (table != null) {
      writer.keyword("ON");
      table.unparse(writer, 0, 0);
    }
  }
}
