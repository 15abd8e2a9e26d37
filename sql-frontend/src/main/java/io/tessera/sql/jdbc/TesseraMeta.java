package io.tessera.sql.jdbc;

import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.dml.BatchedInserts;
import io.tessera.sql.dml.WriteListener;
import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.error.TesseraException;
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
 *   <li><b>transactions as far as they exist today</b> (docs/jdbc.md, "Transactions"): every
 *       statement is committed when it completes (atomically per shard; a statement spanning
 *       shards is not atomic yet), and reads one consistent snapshot: READ COMMITTED, the
 *       default and only isolation level ({@code READ_UNCOMMITTED} is raised to it; asking for
 *       {@code REPEATABLE_READ} or {@code SERIALIZABLE} fails with 0A000).
 *       {@code setAutoCommit(false)} is accepted, but statements still commit on their own; the
 *       Meta counts the rows written since the last commit/rollback in that mode, and
 *       {@code rollback()} after writes fails with 0A000 saying they stay committed (instead of
 *       silently undoing nothing); {@code commit()} and a {@code rollback()} without writes
 *       succeed.</li>
 *   <li><b>SQLStates</b>: every failure leaving the Meta goes through {@link SqlErrors}, so the
 *       SQLException the application sees carries the right SQLState and vendor code;</li>
 *   <li><b>{@code getPrimaryKeys} and {@code getIndexInfo}</b> from the stored table schema.</li>
 * </ul>
 */
public class TesseraMeta extends CalciteMetaBridge implements WriteListener {
  /** The isolation each statement gets, the only one there is until transactions land. */
  static final int ISOLATION = Connection.TRANSACTION_READ_COMMITTED;

  private final Object connectionKey;
  /** Rows written since the last commit/rollback while autocommit is off (all committed). */
  private long writesSinceCommit;

  protected TesseraMeta(AvaticaConnection connection) {
    super(connection);
    this.connectionKey = connection;
    this.connProps
        .setAutoCommit(true)
        .setReadOnly(false)
        .setTransactionIsolation(ISOLATION);
    this.connProps.setDirty(false);
    WriteListener.Registry.register(connection, this);
  }

  // ---- transactions ----

  @Override public synchronized ConnectionProperties connectionSync(ConnectionHandle ch,
      ConnectionProperties props) {
    Integer isolation = props.getTransactionIsolation();
    if (isolation != null) {
      isolation = acceptedIsolation(isolation);
    }
    Boolean autoCommit = props.isAutoCommit();
    if (autoCommit != null && !autoCommit.equals(connProps.isAutoCommit())) {
      // Changing the mode ends the current "transaction" (JDBC: it is committed).
      writesSinceCommit = 0;
    }
    // Accept autocommit, read-only, catalog and schema; statements stay autocommitted.
    ConnectionProperties accepted = new ConnectionPropertiesImpl(
        autoCommit, props.isReadOnly(), isolation, props.getCatalog(), props.getSchema());
    return super.connectionSync(ch, accepted);
  }

  /**
   * The level {@code setTransactionIsolation(level)} gets: READ COMMITTED for READ UNCOMMITTED and
   * READ COMMITTED (JDBC lets a driver substitute a stricter level); 0A000 for the levels above
   * it, which a statement-at-a-time database cannot give, and for NONE.
   */
  static int acceptedIsolation(int level) {
    switch (level) {
      case Connection.TRANSACTION_READ_UNCOMMITTED:
      case Connection.TRANSACTION_READ_COMMITTED:
        return ISOLATION;
      case Connection.TRANSACTION_REPEATABLE_READ:
      case Connection.TRANSACTION_SERIALIZABLE:
        throw TesseraException.unsupported("Transaction isolation level "
            + isolationName(level) + " is not supported: multi-statement transactions are not"
            + " supported yet, every statement commits on its own and reads one consistent"
            + " snapshot (TRANSACTION_READ_COMMITTED, the default and only level)");
      default:
        throw TesseraException.unsupported("Transaction isolation level "
            + isolationName(level) + " cannot be set; the only level is"
            + " TRANSACTION_READ_COMMITTED");
    }
  }

  static String isolationName(int level) {
    switch (level) {
      case Connection.TRANSACTION_NONE: return "TRANSACTION_NONE";
      case Connection.TRANSACTION_READ_UNCOMMITTED: return "TRANSACTION_READ_UNCOMMITTED";
      case Connection.TRANSACTION_READ_COMMITTED: return "TRANSACTION_READ_COMMITTED";
      case Connection.TRANSACTION_REPEATABLE_READ: return "TRANSACTION_REPEATABLE_READ";
      case Connection.TRANSACTION_SERIALIZABLE: return "TRANSACTION_SERIALIZABLE";
      default: return String.valueOf(level);
    }
  }

  /** Counts writes while autocommit is off (called by the writer, on the executing thread). */
  @Override public synchronized void rowsWritten(long rows) {
    if (rows > 0 && Boolean.FALSE.equals(connProps.isAutoCommit())) {
      writesSinceCommit += rows;
    }
  }

  /** Rows written since the last commit/rollback while autocommit is off. */
  synchronized long writesSinceCommit() {
    return writesSinceCommit;
  }

  @Override public synchronized void commit(ConnectionHandle ch) {
    // Every statement has already been committed.
    writesSinceCommit = 0;
  }

  /**
   * Nothing can be undone: every statement has already been committed. Without writes since the
   * last commit/rollback that is exactly what a rollback would do; after writes it must not
   * pretend, so it fails with 0A000 (and starts counting anew).
   */
  @Override public synchronized void rollback(ConnectionHandle ch) {
    long writes = writesSinceCommit;
    writesSinceCommit = 0;
    if (writes > 0) {
      throw TesseraException.unsupported("ROLLBACK cannot undo the " + writes + " row write"
          + (writes == 1 ? "" : "s") + " made since the last COMMIT: "
          + (writes == 1 ? "it was" : "they were") + " already committed, because"
          + " multi-statement transactions are not supported yet (every statement commits on"
          + " its own, even with autocommit off)");
    }
  }

  @Override public void closeConnection(ConnectionHandle ch) {
    WriteListener.Registry.unregister(connectionKey);
    super.closeConnection(ch);
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

  /**
   * Calcite executes a batch one parameter set at a time; for an {@code INSERT ... VALUES} the
   * rows of all sets are collected and sent as one write per shard ({@link BatchedInserts}).
   */
  @Override public ExecuteBatchResult executeBatch(StatementHandle h,
      List<List<TypedValue>> parameterValueLists) throws NoSuchStatementException {
    BatchedInserts batch = BatchedInserts.begin();
    try {
      ExecuteBatchResult result = super.executeBatch(h, parameterValueLists);
      batch.flush();
      return result;
    } catch (RuntimeException e) {
      throw SqlErrors.toClient(e);
    } finally {
      BatchedInserts.end();
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
