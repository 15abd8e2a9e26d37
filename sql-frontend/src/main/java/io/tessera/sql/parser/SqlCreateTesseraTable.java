package io.tessera.sql.parser;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.apache.calcite.sql.SqlCreate;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.util.ImmutableNullableList;

/**
 * Tessera's {@code CREATE TABLE}:
 *
 * <pre>
 * CREATE TABLE [IF NOT EXISTS] name
 *     [ ( column_def | table_constraint [, ...] ) ]
 *     { SHARD BY [HASH | RANGE] (cols) | SHARDS n | REPLICAS n | REPLICATED | COLOCATE WITH t }*
 *     [ AS query ]
 * </pre>
 *
 * <p>The parser already checked: column names are unique; at most one primary key (column-level
 * or table-level); key, unique and shard columns name declared columns (when the table declares
 * typed columns); every column has a type unless there is an {@code AS query}; SHARDS and
 * REPLICAS are at least 1 and appear at most once; REPLICATED is not combined with SHARD BY or
 * SHARDS. Everything else (supported strategies, type mapping, defaults, ...) is the executor's job.
 *
 * <p>Its kind is {@link SqlKind#CREATE_TABLE}, so Calcite routes it to the DDL executor; it is
 * deliberately <em>not</em> a subclass of calcite's {@code SqlCreateTable}, so that an executor
 * derived from {@code ServerDdlExecutor} cannot silently handle it as an in-memory table.
 */
public class SqlCreateTesseraTable extends SqlCreate {
  /** Sharding strategy of {@code SHARD BY}. */
  public enum ShardStrategy {
    HASH,
    RANGE
  }

  private static final SqlOperator OPERATOR =
      new SqlSpecialOperator("CREATE TABLE", SqlKind.CREATE_TABLE);

  public final SqlIdentifier name;
  /**
   * The parenthesized element list as written ({@link SqlColumnDef}s and
   * {@link SqlTableConstraint}s in declaration order), or null if there is none (CTAS).
   */
  public final SqlNodeList elementList;
  /** The column definitions, in declaration order (empty if there is no element list). */
  public final List<SqlColumnDef> columns;
  /** The table-level constraints as written (column-level keys are not in this list). */
  public final List<SqlTableConstraint> constraints;
  /** {@code SHARD BY} strategy (HASH if the keyword was omitted), or null if no SHARD BY. */
  public final ShardStrategy shardStrategy;
  /** {@code SHARD BY} columns (simple identifiers), or null if no SHARD BY. */
  public final SqlNodeList shardColumns;
  /** {@code SHARDS n}, or null if not given. */
  public final Integer shardCount;
  /** {@code REPLICAS n}, or null if not given. */
  public final Integer replicas;
  /** {@code REPLICATED}: a reference table copied to every node. */
  public final boolean replicated;
  /** {@code COLOCATE WITH table}, or null. */
  public final SqlIdentifier colocateWith;
  /** {@code AS query}, or null. */
  public final SqlNode query;

  public SqlCreateTesseraTable(SqlParserPos pos, boolean ifNotExists, SqlIdentifier name,
      SqlNodeList elementList, ShardStrategy shardStrategy, SqlNodeList shardColumns,
      Integer shardCount, Integer replicas, boolean replicated, SqlIdentifier colocateWith,
      SqlNode query) {
    super(OPERATOR, pos, false, ifNotExists);
    this.name = Objects.requireNonNull(name, "name");
    this.elementList = elementList;
    this.shardStrategy = shardStrategy;
    this.shardColumns = shardColumns;
    this.shardCount = shardCount;
    this.replicas = replicas;
    this.replicated = replicated;
    this.colocateWith = colocateWith;
    this.query = query;
    List<SqlColumnDef> cols = new ArrayList<>();
    List<SqlTableConstraint> cons = new ArrayList<>();
    if (elementList != null) {
      for (SqlNode n : elementList) {
        if (n instanceof SqlColumnDef) {
          cols.add((SqlColumnDef) n);
        } else if (n instanceof SqlTableConstraint) {
          cons.add((SqlTableConstraint) n);
        } else {
          throw new IllegalArgumentException("unexpected table element " + n);
        }
      }
    }
    this.columns = Collections.unmodifiableList(cols);
    this.constraints = Collections.unmodifiableList(cons);
  }

  /** Creates and validates (throws a positioned parse error on a semantic mistake). */
  public static SqlCreateTesseraTable create(SqlParserPos pos, boolean ifNotExists,
      SqlIdentifier name, SqlNodeList elementList, ShardStrategy shardStrategy,
      SqlNodeList shardColumns, Integer shardCount, Integer replicas, boolean replicated,
      SqlIdentifier colocateWith, SqlNode query) {
    SqlCreateTesseraTable t = new SqlCreateTesseraTable(pos, ifNotExists, name, elementList,
        shardStrategy, shardColumns, shardCount, replicas, replicated, colocateWith, query);
    t.validate();
    return t;
  }

  private void validate() {
    if (elementList == null && query == null) {
      throw TesseraDdlErrors.error(name.getParserPosition(),
          "CREATE TABLE " + name + " needs a column list or AS query");
    }
    if (elementList != null && columns.isEmpty()) {
      throw TesseraDdlErrors.error(elementList.getParserPosition(),
          "CREATE TABLE " + name + " declares no columns");
    }
    Set<String> names = new HashSet<>();
    boolean allTyped = true;
    for (SqlColumnDef c : columns) {
      if (!names.add(c.columnName())) {
        throw TesseraDdlErrors.error(c.name.getParserPosition(),
            "Duplicate column name " + c.columnName());
      }
      if (c.dataType == null) {
        allTyped = false;
        if (query == null) {
          throw TesseraDdlErrors.error(c.name.getParserPosition(),
              "Column " + c.columnName() + " has no type");
        }
      }
    }
    int primaryKeys = 0;
    for (SqlColumnDef c : columns) {
      if (c.primaryKey) {
        primaryKeys++;
        if (primaryKeys > 1) {
          throw TesseraDdlErrors.error(c.getParserPosition(),
              "Multiple primary keys for table " + name
                  + " (use PRIMARY KEY (a, b) for a composite key)");
        }
      }
    }
    for (SqlTableConstraint k : constraints) {
      if (k.isPrimaryKey() && ++primaryKeys > 1) {
        throw TesseraDdlErrors.error(k.getParserPosition(),
            "Multiple primary keys for table " + name);
      }
      checkColumns(k.columns, names, allTyped, k.isPrimaryKey() ? "PRIMARY KEY" : "UNIQUE");
    }
    if (shardColumns != null) {
      checkColumns(shardColumns, names, allTyped, "SHARD BY");
    }
    if (replicated && (shardStrategy != null || shardCount != null)) {
      throw TesseraDdlErrors.error(getParserPosition(),
          "REPLICATED table " + name + " cannot have SHARD BY or SHARDS");
    }
  }

  private static void checkColumns(SqlNodeList list, Set<String> declared, boolean check,
      String clause) {
    Set<String> seen = new HashSet<>();
    for (SqlNode n : list) {
      String c = ((SqlIdentifier) n).getSimple();
      if (!seen.add(c)) {
        throw TesseraDdlErrors.error(n.getParserPosition(),
            "Column " + c + " appears twice in " + clause);
      }
      if (check && !declared.contains(c)) {
        throw TesseraDdlErrors.error(n.getParserPosition(),
            "Unknown column " + c + " in " + clause);
      }
    }
  }

  /** The column with this (case-normalized) name, or null. */
  public SqlColumnDef column(String columnName) {
    for (SqlColumnDef c : columns) {
      if (c.columnName().equals(columnName)) {
        return c;
      }
    }
    return null;
  }

  /** Column names in declaration order. */
  public List<String> columnNames() {
    List<String> out = new ArrayList<>(columns.size());
    for (SqlColumnDef c : columns) {
      out.add(c.columnName());
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The primary key: the table-level {@code PRIMARY KEY (cols)}, or one synthesized from a
   * column-level {@code PRIMARY KEY}; null if the table declares none (the executor then adds a
   * hidden row id).
   */
  public SqlTableConstraint primaryKey() {
    for (SqlColumnDef c : columns) {
      if (c.primaryKey) {
        return new SqlTableConstraint(c.getParserPosition(), SqlTableConstraint.Type.PRIMARY_KEY,
            null, SqlNodeList.of(c.name));
      }
    }
    for (SqlTableConstraint k : constraints) {
      if (k.isPrimaryKey()) {
        return k;
      }
    }
    return null;
  }

  /** Primary key column names in key order; empty if none declared. */
  public List<String> primaryKeyColumnNames() {
    SqlTableConstraint pk = primaryKey();
    return pk == null ? List.of() : pk.columnNames();
  }

  /**
   * All unique keys other than the primary key: column-level {@code UNIQUE} (synthesized, no
   * name) in column order, then table-level {@code UNIQUE (cols)} in declaration order.
   */
  public List<SqlTableConstraint> uniqueConstraints() {
    List<SqlTableConstraint> out = new ArrayList<>();
    for (SqlColumnDef c : columns) {
      if (c.unique) {
        out.add(new SqlTableConstraint(c.getParserPosition(), SqlTableConstraint.Type.UNIQUE,
            null, SqlNodeList.of(c.name)));
      }
    }
    for (SqlTableConstraint k : constraints) {
      if (!k.isPrimaryKey()) {
        out.add(k);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** {@code SHARD BY} column names; empty if no SHARD BY (default: the primary key). */
  public List<String> shardColumnNames() {
    return SqlTableConstraint.names(shardColumns);
  }

  /** False if the column is declared NOT NULL or is part of the primary key. */
  public boolean isNullable(SqlColumnDef column) {
    return column.nullable && !primaryKeyColumnNames().contains(column.columnName());
  }

  @Override public SqlOperator getOperator() {
    return OPERATOR;
  }

  @Override public List<SqlNode> getOperandList() {
    return ImmutableNullableList.of(name, elementList, shardColumns, colocateWith, query);
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    writer.keyword("CREATE");
    writer.keyword("TABLE");
    if (ifNotExists) {
      writer.keyword("IF NOT EXISTS");
    }
    name.unparse(writer, leftPrec, rightPrec);
    if (elementList != null) {
      SqlTableConstraint.unparseList(writer, elementList);
    }
    if (shardStrategy != null) {
      writer.keyword("SHARD BY");
      writer.keyword(shardStrategy.name());
      SqlTableConstraint.unparseList(writer, shardColumns);
    }
    if (shardCount != null) {
      writer.keyword("SHARDS");
      SqlLiteral.createExactNumeric(shardCount.toString(), SqlParserPos.ZERO)
          .unparse(writer, 0, 0);
    }
    if (replicas != null) {
      writer.keyword("REPLICAS");
      SqlLiteral.createExactNumeric(replicas.toString(), SqlParserPos.ZERO)
          .unparse(writer, 0, 0);
    }
    if (replicated) {
      writer.keyword("REPLICATED");
    }
    if (colocateWith != null) {
      writer.keyword("COLOCATE WITH");
      colocateWith.unparse(writer, 0, 0);
    }
    if (query != null) {
      writer.keyword("AS");
      writer.newlineAndIndent();
      query.unparse(writer, 0, 0);
    }
  }
}
