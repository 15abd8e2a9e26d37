package io.tessera.sql.ddl;

import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.parser.SqlCreateIndex;
import io.tessera.sql.parser.SqlCreateTesseraTable;
import io.tessera.sql.parser.SqlDropIndex;
import io.tessera.sql.parser.TesseraSqlParser;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.impl.ViewTable;
import org.apache.calcite.schema.impl.ViewTableMacro;
import org.apache.calcite.server.DdlExecutorImpl;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.ddl.SqlCreateView;
import org.apache.calcite.sql.ddl.SqlDropObject;
import org.apache.calcite.sql.dialect.CalciteSqlDialect;
import org.apache.calcite.sql.parser.SqlParserImplFactory;

/**
 * Executes Tessera DDL through the coordinator, then waits until the connection's metadata shows
 * the change, so the next statement on the connection sees it.
 *
 * <p>Statements: {@code CREATE TABLE} (see {@link TableSchemas}), {@code DROP TABLE [IF EXISTS]},
 * {@code CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (cols)},
 * {@code DROP INDEX [IF EXISTS] name}, {@code CREATE [OR REPLACE] VIEW name [(cols)] AS query}
 * (the query is validated first), {@code DROP VIEW [IF EXISTS] name}. A failure the coordinator
 * reports ({@code DdlResponse.error}) becomes an SQLException with its SQLState (e.g. 42S01 for
 * an existing table, 42S02 for a missing one).
 */
public class TesseraDdlExecutor extends DdlExecutorImpl {
  public static final TesseraDdlExecutor INSTANCE = new TesseraDdlExecutor();

  /** Tessera's parser, whose DDL goes to {@link #INSTANCE} (connection property parserFactory). */
  public static final SqlParserImplFactory PARSER_FACTORY = TesseraSqlParser.factory(INSTANCE);

  protected TesseraDdlExecutor() {}

  /** Any DDL this executor does not know. */
  @Override public void execute(SqlNode node, CalcitePrepare.Context context) {
    throw TesseraException.unsupported("Statement not supported: " + node.getKind());
  }

  public void execute(SqlCreateTesseraTable create, CalcitePrepare.Context context) {
    DdlCluster cluster = DdlClusters.from(context);
    TableSchema table = TableSchemas.of(create, cluster.liveNodes());
    check(cluster.createTable(table, create.ifNotExists));
    cluster.refresh();
  }

  public void execute(SqlCreateIndex create, CalcitePrepare.Context context) {
    DdlCluster cluster = DdlClusters.from(context);
    String tableName = TableSchemas.last(create.table);
    TableSchema table = cluster.table(tableName);
    if (table == null) {
      throw new TesseraException(SqlStates.TABLE_NOT_FOUND, "Table " + tableName + " not found");
    }
    IndexDef.Builder index = IndexDef.newBuilder().setName(create.indexName())
        .setUnique(create.unique);
    for (String column : create.columnNames()) {
      index.addColumns(ordinal(table, column));
    }
    check(cluster.createIndex(tableName, index.build(), create.ifNotExists));
    cluster.refresh();
  }

  public void execute(SqlDropIndex drop, CalcitePrepare.Context context) {
    DdlCluster cluster = DdlClusters.from(context);
    check(cluster.dropIndex(drop.indexName(), drop.ifExists));
    cluster.refresh();
  }

  public void execute(SqlCreateView create, CalcitePrepare.Context context) {
    DdlCluster cluster = DdlClusters.from(context);
    String name = TableSchemas.last(create.name);
    String sql = create.query.toSqlString(CalciteSqlDialect.DEFAULT).getSql();
    List<String> columns = new ArrayList<>();
    if (create.columnList != null) {
      for (SqlNode n : create.columnList) {
        columns.add(((SqlIdentifier) n).getSimple());
      }
    }
    // Validate the query against the connection's schema before storing it.
    SchemaPlus schema = defaultSchema(context);
    ViewTableMacro macro = ViewTable.viewMacro(schema, sql, context.getDefaultSchemaPath(),
        List.of(name), false);
    TranslatableTable view = macro.apply(List.of());
    int width = view.getRowType(context.getTypeFactory()).getFieldCount();
    if (!columns.isEmpty() && columns.size() != width) {
      throw TesseraException.syntax("View " + name + " names " + columns.size()
          + " columns but its query returns " + width);
    }
    ViewDef def = ViewDef.newBuilder().setName(name).setSql(sql).addAllColumnNames(columns)
        .build();
    check(cluster.createView(def, create.getReplace()));
    cluster.refresh();
  }

  public void execute(SqlDropObject drop, CalcitePrepare.Context context) {
    DdlCluster cluster = DdlClusters.from(context);
    String name = TableSchemas.last(drop.name);
    if (drop.getKind() == SqlKind.DROP_TABLE) {
      check(cluster.dropTable(name, drop.ifExists));
    } else if (drop.getKind() == SqlKind.DROP_VIEW) {
      check(cluster.dropView(name, drop.ifExists));
    } else {
      throw TesseraException.unsupported("Statement not supported: " + drop.getKind());
    }
    cluster.refresh();
  }

  private static SchemaPlus defaultSchema(CalcitePrepare.Context context) {
    SchemaPlus schema = context.getRootSchema().plus();
    for (String p : context.getDefaultSchemaPath()) {
      SchemaPlus sub = schema.subSchemas().get(p);
      if (sub == null) {
        break;
      }
      schema = sub;
    }
    return schema;
  }

  private static int ordinal(TableSchema table, String column) {
    for (int i = 0; i < table.getColumnsCount(); i++) {
      if (table.getColumns(i).getName().equals(column) && !table.getColumns(i).getHidden()) {
        return i;
      }
    }
    throw new TesseraException(SqlStates.COLUMN_NOT_FOUND,
        "Column " + column + " not found in table " + table.getName());
  }

  private static DdlResponse check(DdlResponse response) {
    if (!ShardErrors.isOk(response.getError())) {
      throw TesseraException.fromShard(response.getError());
    }
    return response;
  }
}
