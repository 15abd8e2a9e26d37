package io.tessera.sql.ddl;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.parser.SqlColumnDef;
import io.tessera.sql.parser.SqlCreateTesseraTable;
import io.tessera.sql.parser.SqlTableConstraint;
import io.tessera.sql.parser.TesseraSqlParser;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.dialect.CalciteSqlDialect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlShuttle;

/**
 * Turns a parsed {@code CREATE TABLE} into the {@link TableSchema} the coordinator stores.
 *
 * <ul>
 *   <li>Types: BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, DECIMAL(p,s), REAL, FLOAT and DOUBLE
 *       (both DOUBLE), CHAR(n) (default 1), VARCHAR(n), TEXT (= unbounded VARCHAR), BINARY(n),
 *       VARBINARY(n), DATE, TIME, TIMESTAMP; any other type is 0A000.</li>
 *   <li>DEFAULT: stored as SQL text (re-parsed by each INSERT); it must parse and must not refer
 *       to columns.</li>
 *   <li>PRIMARY KEY (column or table constraint): its columns become NOT NULL. Without one, a
 *       hidden BIGINT column {@value #ROW_ID} is appended as the primary key; INSERT fills it
 *       with a unique id.</li>
 *   <li>SHARD BY HASH(cols): must be a subset of the primary key (42000 otherwise); default: the
 *       primary key. SHARD BY RANGE, REPLICATED, COLOCATE WITH and CREATE TABLE AS are 0A000.</li>
 *   <li>SHARDS n: default {@link #defaultShardCount(int)}: 3 per live node, at least 1, at most
 *       {@value #MAX_DEFAULT_SHARDS}.</li>
 *   <li>REPLICAS n: the replication factor. Without it the schema says 0, "the cluster's
 *       default": the coordinator then uses its configured default replication factor, capped by
 *       the number of live nodes.</li>
 *   <li>UNIQUE (column or table constraint): a unique index, named after the constraint or
 *       {@code UQ_<table>_<columns>}.</li>
 * </ul>
 */
public final class TableSchemas {
  /** Name of the hidden row id column of a table without a declared primary key. */
  public static final String ROW_ID = "_ROWID";
  /** Replication factor 0 asks the coordinator for its configured default. */
  public static final int CLUSTER_DEFAULT_REPLICAS = 0;
  /** Upper bound of the default shard count. */
  public static final int MAX_DEFAULT_SHARDS = 64;

  private TableSchemas() {}

  /** 3 shards per live node, between 1 and {@value #MAX_DEFAULT_SHARDS}. */
  public static int defaultShardCount(int liveNodes) {
    return Math.max(1, Math.min(MAX_DEFAULT_SHARDS, 3 * liveNodes));
  }

  public static TableSchema of(SqlCreateTesseraTable create, int liveNodes) {
    String table = last(create.name);
    if (create.query != null) {
      throw TesseraException.unsupported("CREATE TABLE ... AS query is not supported yet;"
          + " create the table, then INSERT INTO " + table + " SELECT ...");
    }
    if (create.replicated) {
      throw TesseraException.unsupported("REPLICATED tables are not supported yet");
    }
    if (create.colocateWith != null) {
      throw TesseraException.unsupported("COLOCATE WITH is not supported yet");
    }
    if (create.shardStrategy == SqlCreateTesseraTable.ShardStrategy.RANGE) {
      throw TesseraException.unsupported("SHARD BY RANGE is not supported yet; use SHARD BY HASH");
    }
    TableSchema.Builder b = TableSchema.newBuilder().setName(table);
    List<String> names = new ArrayList<>();
    for (SqlColumnDef c : create.columns) {
      b.addColumns(column(table, c, create.isNullable(c)));
      names.add(c.columnName());
    }
    List<String> pk = create.primaryKeyColumnNames();
    if (pk.isEmpty()) {
      if (names.contains(ROW_ID)) {
        throw TesseraException.syntax("Column name " + ROW_ID + " is reserved for the row id of"
            + " a table without a primary key");
      }
      b.addColumns(ColumnDef.newBuilder().setName(ROW_ID).setType(ColumnType.BIGINT)
          .setNullable(false).setHidden(true));
      b.addPrimaryKey(names.size());
    } else {
      for (String k : pk) {
        b.addPrimaryKey(ordinal(table, names, k));
      }
    }
    List<String> shardBy = create.shardColumnNames();
    if (shardBy.isEmpty()) {
      b.addAllShardKey(b.getPrimaryKeyList());
    } else {
      for (String k : shardBy) {
        if (!pk.contains(k)) {
          throw TesseraException.syntax("SHARD BY column " + k + " of table " + table
              + " is not part of its primary key " + (pk.isEmpty() ? "(the table declares none)"
              : pk.toString()) + "; the shard key must be a subset of the primary key");
        }
        b.addShardKey(ordinal(table, names, k));
      }
    }
    b.setStrategy(ShardStrategy.HASH);
    b.setShardCount(create.shardCount != null ? create.shardCount
        : defaultShardCount(liveNodes));
    b.setReplicationFactor(create.replicas != null ? create.replicas : CLUSTER_DEFAULT_REPLICAS);
    for (SqlTableConstraint u : create.uniqueConstraints()) {
      IndexDef.Builder index = IndexDef.newBuilder().setUnique(true);
      List<String> cols = u.columnNames();
      index.setName(u.constraintName() != null ? u.constraintName()
          : "UQ_" + table + "_" + String.join("_", cols));
      for (String c : cols) {
        index.addColumns(ordinal(table, names, c));
      }
      b.addIndexes(index);
    }
    return b.build();
  }

  private static ColumnDef column(String table, SqlColumnDef c, boolean nullable) {
    SqlTypeName typeName = c.sqlTypeName();
    if (typeName == null) {
      throw TesseraException.unsupported("Unsupported type of column " + c.columnName()
          + (c.dataType == null ? "" : ": " + c.dataType));
    }
    int precision = c.precision();
    int scale = c.scale();
    ColumnDef.Builder d = ColumnDef.newBuilder().setName(c.columnName()).setNullable(nullable);
    switch (typeName) {
      case BOOLEAN:
        d.setType(ColumnType.BOOLEAN);
        break;
      case TINYINT:
        d.setType(ColumnType.TINYINT);
        break;
      case SMALLINT:
        d.setType(ColumnType.SMALLINT);
        break;
      case INTEGER:
        d.setType(ColumnType.INTEGER);
        break;
      case BIGINT:
        d.setType(ColumnType.BIGINT);
        break;
      case DECIMAL:
        d.setType(ColumnType.DECIMAL);
        if (precision > 0) {
          if (scale < 0) {
            scale = 0;
          }
          if (scale > precision) {
            throw TesseraException.syntax("Scale " + scale + " of column " + c.columnName()
                + " exceeds its precision " + precision);
          }
          d.setPrecision(precision).setScale(scale);
        }
        break;
      case REAL:
        d.setType(ColumnType.REAL);
        break;
      case FLOAT:
      case DOUBLE:
        d.setType(ColumnType.DOUBLE);
        break;
      case CHAR:
        d.setType(ColumnType.CHAR).setPrecision(precision > 0 ? precision : 1);
        break;
      case VARCHAR:
        d.setType(ColumnType.VARCHAR).setPrecision(Math.max(0, precision));
        break;
      case BINARY:
        d.setType(ColumnType.BINARY).setPrecision(precision > 0 ? precision : 1);
        break;
      case VARBINARY:
        d.setType(ColumnType.VARBINARY).setPrecision(Math.max(0, precision));
        break;
      case DATE:
        d.setType(ColumnType.DATE);
        break;
      case TIME:
        d.setType(ColumnType.TIME);
        break;
      case TIMESTAMP:
        d.setType(ColumnType.TIMESTAMP);
        break;
      default:
        throw TesseraException.unsupported("Unsupported type " + typeName + " of column "
            + c.columnName() + " of table " + table);
    }
    if (c.defaultValue != null) {
      d.setDefaultSql(defaultSql(c));
    }
    return d.build();
  }

  /** The SQL text of a DEFAULT expression, checked to parse back and not to refer to columns. */
  static String defaultSql(SqlColumnDef c) {
    String sql = c.defaultValue.toSqlString(CalciteSqlDialect.DEFAULT).getSql();
    SqlNode parsed;
    try {
      parsed = SqlParser.create(sql, TesseraSqlParser.CONFIG).parseExpression();
    } catch (SqlParseException e) {
      throw new TesseraException(SqlStates.SYNTAX_ERROR, "DEFAULT of column " + c.columnName()
          + " does not parse: " + sql, e);
    }
    parsed.accept(new SqlShuttle() {
      @Override public SqlNode visit(SqlIdentifier id) {
        // Niladic functions (CURRENT_DATE, ...) parse as calls, so any identifier is a column.
        throw TesseraException.syntax("DEFAULT of column " + c.columnName()
            + " must not refer to column " + id);
      }
    });
    return sql;
  }

  private static int ordinal(String table, List<String> names, String column) {
    int i = names.indexOf(column);
    if (i < 0) {
      throw new TesseraException(SqlStates.COLUMN_NOT_FOUND,
          "Column " + column + " not found in table " + table);
    }
    return i;
  }

  static String last(SqlIdentifier id) {
    return id.names.get(id.names.size() - 1);
  }
}
