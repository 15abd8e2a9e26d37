package io.tessera.sql.jdbc;

import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.schema.ShardedTable;
import io.tessera.sql.schema.TesseraSchema;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.ConnectionPropertiesImpl;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.NoSuchStatementException;
import org.apache.calcite.avatica.QueryState;
import org.apache.calcite.avatica.remote.TypedValue;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.CalciteMetaBridge;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.lookup.LikePattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Tessera's Avatica {@link Meta}: Calcite's ({@code CalciteMetaImpl}), plus
 *
 * <ul>
 *   <li><b>transactions as far as they exist today</b>: every statement is committed when it
 *       completes (atomically per shard; a statement spanning shards is not atomic yet).
 *       {@code setAutoCommit(false)}, {@code setTransactionIsolation(..)} and
 *       {@code setReadOnly(..)} are accepted and reported back, but do not change that;
 *       {@code commit()} and {@code rollback()} succeed and do nothing. Consistently,
 *       {@code DatabaseMetaData.supportsTransactions()} is false and the default isolation is
 *       {@code TRANSACTION_NONE}.</li>
 *   <li><b>SQLStates</b>: every failure leaving the Meta goes through {@link SqlErrors}, so the
 *       SQLException the application sees carries the right SQLState and vendor code;</li>
 *   <li><b>{@code getPrimaryKeys} and {@code getIndexInfo}</b> from the stored table schema.</li>
 * </ul>
 */
public class TesseraMeta extends CalciteMetaBridge {
  protected TesseraMeta(AvaticaConnection connection) {
    super(connection);
    this.connProps
        .setAutoCommit(true)
        .setReadOnly(false)
        .setTransactionIsolation(Connection.TRANSACTION_NONE);
    this.connProps.setDirty(false);
  }

  // ---- transactions ----

  @Override public ConnectionProperties connectionSync(ConnectionHandle ch,
      ConnectionProperties props) {
    // Accept autocommit, isolation, read-only, catalog and schema; statements stay autocommitted.
    ConnectionProperties accepted = new ConnectionPropertiesImpl(
        props.isAutoCommit(), props.isReadOnly(), props.getTransactionIsolation(),
        props.getCatalog(), props.getSchema());
    return super.connectionSync(ch, accepted);
  }

  @Override public void commit(ConnectionHandle ch) {
    // Every statement has already been committed.
  }

  @Override public void rollback(ConnectionHandle ch) {
    // Nothing is pending: every statement has already been committed.
  }

  // ---- execution, with failures mapped to SQLStates ----

  @Override public StatementHandle prepare(ConnectionHandle ch, String sql, long maxRowCount) {
    try {
      return super.prepare(ch, sql, maxRowCount);
    } catch (RuntimeException e) {
      throw SqlErrors.toClient(e);
    }
  }

  @SuppressWarnings("deprecation")
  @Override public ExecuteResult prepareAndExecute(StatementHandle h, String sql,
      long maxRowCount, PrepareCallback callback) throws NoSuchStatementException {
    return prepareAndExecute(h, sql, maxRowCount, -1, callback);
  }

  @Override public ExecuteResult prepareAndExecute(StatementHandle h, String sql,
      long maxRowCount, int maxRowsInFirstFrame, PrepareCallback callback)
      throws NoSuchStatementException {
    try {
      return super.prepareAndExecute(h, sql, maxRowCount, maxRowsInFirstFrame, callback);
    } catch (RuntimeException e) {
      throw SqlErrors.toClient(e);
    }
  }

  @Override public ExecuteBatchResult prepareAndExecuteBatch(StatementHandle h,
      List<String> sqlCommands) throws NoSuchStatementException {
    try {
      return super.prepareAndExecuteBatch(h, sqlCommands);
    } catch (RuntimeException e) {
      throw SqlErrors.toClient(e);
    }
  }

  @SuppressWarnings("deprecation")
  @Override public ExecuteResult execute(StatementHandle h, List<TypedValue> parameterValues,
      long maxRowCount) throws NoSuchStatementException {
    return execute(h, parameterValues, (int) Math.min(Integer.MAX_VALUE, maxRowCount));
  }

  @Override public ExecuteResult execute(StatementHandle h, List<TypedValue> parameterValues,
      int maxRowsInFirstFrame) throws NoSuchStatementException {
    try {
      return super.execute(h, parameterValues, maxRowsInFirstFrame);
    } catch (RuntimeException e) {
      throw SqlErrors.toClient(e);
    }
  }

  @Override public ExecuteBatchResult executeBatch(StatementHandle h,
      List<List<TypedValue>> parameterValueLists) throws NoSuchStatementException {
    try {
      return super.executeBatch(h, parameterValueLists);
    } catch (RuntimeException e) {
      throw SqlErrors.toClient(e);
    }
  }

  @Override public Frame fetch(StatementHandle h, long offset, int fetchMaxRowCount)
      throws NoSuchStatementException {
    try {
      return super.fetch(h, offset, fetchMaxRowCount);
    } catch (RuntimeException e) {
      throw SqlErrors.toClient(e);
    }
  }

  /**
   * Rows of a result set. Avatica's {@code ResultSet.next()} does not wrap what the iterator
   * throws, so failures leave it as the SQLException {@link SqlErrors} makes (thrown unchecked
   * through the iterator, and declared by {@code next()}).
   */
  @Override public Iterable<Object> createIterable(StatementHandle handle, QueryState state,
      Signature signature, @Nullable List<TypedValue> parameterValues,
      @Nullable Frame firstFrame) {
    final Iterable<Object> rows;
    try {
      rows = super.createIterable(handle, state, signature, parameterValues, firstFrame);
    } catch (RuntimeException e) {
      throw SqlErrors.sneakyThrow(SqlErrors.toSqlException(e));
    }
    return () -> new TranslatingIterator(rows.iterator());
  }

  /** Iterator whose failures become SQLExceptions with SQLStates. */
  private static final class TranslatingIterator implements Iterator<Object>, AutoCloseable {
    private final Iterator<Object> delegate;

    TranslatingIterator(Iterator<Object> delegate) {
      this.delegate = delegate;
    }

    @Override public boolean hasNext() {
      try {
        return delegate.hasNext();
      } catch (RuntimeException e) {
        throw SqlErrors.sneakyThrow(SqlErrors.toSqlException(e));
      }
    }

    @Override public Object next() {
      try {
        return delegate.next();
      } catch (RuntimeException e) {
        throw SqlErrors.sneakyThrow(SqlErrors.toSqlException(e));
      }
    }

    @Override public void close() throws Exception {
      if (delegate instanceof AutoCloseable) {
        ((AutoCloseable) delegate).close();
      }
    }
  }

  // ---- metadata ----

  @Override public MetaResultSet getPrimaryKeys(ConnectionHandle ch, String catalog,
      String schema, String table) {
    List<Object> rows = new ArrayList<>();
    for (Located t : tables(schema, table)) {
      TableSchema s = t.table.schema();
      if (!hasVisiblePrimaryKey(s)) {
        continue;
      }
      short seq = 1;
      for (int c : s.getPrimaryKeyList()) {
        rows.add(new Object[] {null, t.schemaName, t.tableName, s.getColumns(c).getName(),
            seq++, primaryKeyName(s)});
      }
    }
    return rows(MetaPrimaryKey.class, rows);
  }

  @Override public MetaResultSet getIndexInfo(ConnectionHandle ch, String catalog,
      String schema, String table, boolean unique, boolean approximate) {
    List<Object> rows = new ArrayList<>();
    for (Located t : tables(schema, table)) {
      TableSchema s = t.table.schema();
      if (hasVisiblePrimaryKey(s)) {
        addIndexRows(rows, t, primaryKeyName(s), true, s.getPrimaryKeyList());
      }
      for (IndexDef index : s.getIndexesList()) {
        if (unique && !index.getUnique()) {
          continue;
        }
        addIndexRows(rows, t, index.getName(), index.getUnique(), index.getColumnsList());
      }
    }
    return rows(MetaIndexInfo.class, rows);
  }

  /** The name under which the primary key is reported (it has no name of its own). */
  static String primaryKeyName(TableSchema s) {
    return "PK_" + s.getName();
  }

  private static boolean hasVisiblePrimaryKey(TableSchema s) {
    for (int c : s.getPrimaryKeyList()) {
      if (s.getColumns(c).getHidden()) {
        return false;
      }
    }
    return s.getPrimaryKeyCount() > 0;
  }

  private static void addIndexRows(List<Object> rows, Located t, String name, boolean unique,
      List<Integer> columns) {
    short position = 1;
    for (int c : columns) {
      rows.add(new Object[] {null, t.schemaName, t.tableName, !unique, null, name,
          DatabaseMetaData.tableIndexOther, position++, t.table.schema().getColumns(c).getName(),
          "A", -1L, -1L, null});
    }
  }

  private MetaResultSet rows(Class<?> shape, List<Object> rows) {
    return createResultSet(Collections.emptyMap(), fieldMetaData(shape).columns,
        CursorFactory.ARRAY, new Frame(0, true, rows));
  }

  /** A Tessera table found in a schema of the connection. */
  private record Located(String schemaName, String tableName, ShardedTable table) {}

  /** Tables named {@code table} exactly (as JDBC says), in schemas named {@code schema} or any. */
  private List<Located> tables(@Nullable String schema, @Nullable String table) {
    List<Located> out = new ArrayList<>();
    SchemaPlus root;
    try {
      root = connection.unwrap(CalciteConnection.class).getRootSchema();
    } catch (SQLException e) {
      throw SqlErrors.toClient(e);
    }
    for (String schemaName : root.subSchemas().getNames(LikePattern.any())) {
      if (schema != null && !schema.equals(schemaName)) {
        continue;
      }
      SchemaPlus sub = root.subSchemas().get(schemaName);
      TesseraSchema tessera = sub == null ? null : sub.unwrap(TesseraSchema.class);
      if (tessera == null) {
        continue;
      }
      // Ask the Tessera schema itself: it follows the cluster metadata on every call.
      Iterable<String> names = table != null ? List.of(table)
          : new TreeSet<>(tessera.client().metadata().tables().keySet());
      for (String tableName : names) {
        ShardedTable sharded = tessera.table(tableName);
        if (sharded != null) {
          out.add(new Located(schemaName, tableName, sharded));
        }
      }
    }
    return out;
  }
}
