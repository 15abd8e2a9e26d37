package io.tessera.sql.jdbc;

import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.dml.BatchedInserts;
import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.schema.ShardedTable;
import io.tessera.sql.schema.TesseraSchema;
import io.tessera.sql.txn.ForUpdate;
import io.tessera.sql.txn.Isolation;
import io.tessera.sql.txn.TxnSession;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tessera's Avatica {@link Meta}: Calcite's ({@code CalciteMetaImpl}), plus
 *
 * <ul>
 *   <li><b>transactions</b> (docs/jdbc.md, "Transactions"; docs/transactions.md): autocommit,
 *       isolation (REPEATABLE READ = snapshot isolation, the default; READ COMMITTED; READ
 *       UNCOMMITTED is raised to READ COMMITTED; SERIALIZABLE fails with 0A000) and read-only are
 *       kept in the connection's {@link TxnSession}, which begins a transaction at the first
 *       statement executed with autocommit off; {@code commit()} and {@code rollback()} end it,
 *       switching autocommit on commits it, closing the connection rolls it back;</li>
 *   <li><b>SQLStates</b>: every failure leaving the Meta goes through {@link SqlErrors}, so the
 *       SQLException the application sees carries the right SQLState and vendor code;</li>
 *   <li><b>retries</b>: an autocommit statement that failed with 40001 runs again
 *       ({@link ConflictRetry});</li>
 *   <li><b>{@code getPrimaryKeys} and {@code getIndexInfo}</b> from the stored table schema.</li>
 * </ul>
 */
public class TesseraMeta extends CalciteMetaBridge {
  private static final Logger LOG = LoggerFactory.getLogger(TesseraMeta.class);

  /**
   * Nesting of statement executions on each thread (a batch executes its parameter sets as
   * statements; the outermost one is the statement of the transaction).
   */
  private final ThreadLocal<int[]> statementDepth = ThreadLocal.withInitial(() -> new int[1]);
  private @Nullable TxnSession session;
  private @Nullable ConflictRetry conflictRetry;

  protected TesseraMeta(AvaticaConnection connection) {
    super(connection);
    this.connProps
        .setAutoCommit(true)
        .setReadOnly(false)
        .setTransactionIsolation(Isolation.DEFAULT.jdbcLevel());
    this.connProps.setDirty(false);
  }

  /**
   * The connection's transaction state, attached with its Tessera schema when the connection
   * opened (null before that, or for a connection without one).
   */
  private @Nullable TxnSession session() {
    TxnSession s = session;
    if (s == null) {
      try {
        SchemaPlus root = connection.unwrap(CalciteConnection.class).getRootSchema();
        SchemaPlus sub = root.subSchemas().get(TesseraSchema.NAME);
        TesseraSchema tessera = sub == null ? null : sub.unwrap(TesseraSchema.class);
        s = tessera == null ? null : tessera.txn();
      } catch (SQLException | RuntimeException e) {
        s = null;
      }
      session = s;
    }
    return s;
  }

  /** The connection's policy for autocommit statements failing with 40001. */
  private ConflictRetry conflictRetry() {
    ConflictRetry r = conflictRetry;
    if (r == null) {
      try {
        r = ConflictRetry.fromProperties(connection.unwrap(CalciteConnection.class)
            .getProperties());
      } catch (SQLException e) {
        r = new ConflictRetry(0);
      }
      conflictRetry = r;
    }
    return r;
  }

  /** Whether a failed statement may run again: autocommit, and no transaction open. */
  private boolean autoCommitWithoutTransaction() {
    TxnSession s = session();
    return s != null && s.autoCommit() && s.current() == null;
  }

  // ---- transactions ----

  @Override public synchronized ConnectionProperties connectionSync(ConnectionHandle ch,
      ConnectionProperties props) {
    Integer level = props.getTransactionIsolation();
    Isolation isolation = level == null ? null : Isolation.ofJdbc(level);
    TxnSession s = session();
    if (s != null) {
      if (props.isAutoCommit() != null) {
        // Switching autocommit on commits the open transaction (JDBC).
        s.setAutoCommit(props.isAutoCommit());
      }
      if (props.isReadOnly() != null) {
        s.setReadOnly(props.isReadOnly());
      }
      if (isolation != null) {
        s.setIsolation(isolation);
      }
    }
    ConnectionProperties accepted = new ConnectionPropertiesImpl(props.isAutoCommit(),
        props.isReadOnly(), isolation == null ? null : isolation.jdbcLevel(), props.getCatalog(),
        props.getSchema());
    return super.connectionSync(ch, accepted);
  }

  @Override public synchronized void commit(ConnectionHandle ch) {
    TxnSession s = session();
    if (s != null) {
      s.commit();
    }
  }

  @Override public synchronized void rollback(ConnectionHandle ch) {
    TxnSession s = session();
    if (s != null) {
      s.rollback();
    }
  }

  /** Closing a connection rolls back its open transaction (JDBC leaves it to the driver). */
  @Override public void closeConnection(ConnectionHandle ch) {
    TxnSession s = session();
    if (s != null) {
      try {
        s.rollback();
      } catch (RuntimeException e) {
        LOG.warn("Rolling back the open transaction of a closing connection failed (its locks"
            + " expire and are rolled back by whoever meets them): {}", e.toString());
      }
    }
    super.closeConnection(ch);
  }

  /** Before a statement executes (begins the transaction when autocommit is off). */
  private void statementStarts() {
    if (statementDepth.get()[0]++ == 0) {
      TxnSession s = session();
      if (s != null) {
        s.statementStarts();
      }
    }
  }

  private void statementEnds() {
    statementDepth.get()[0]--;
  }

  /** A statement failed: the transaction may have to be rolled back. */
  private RuntimeException statementFailed(Exception e) {
    TxnSession s = session();
    if (statementDepth.get()[0] == 1 && s != null) {
      try {
        s.statementFailed(e);
      } catch (RuntimeException rollback) {
        e.addSuppressed(rollback);
      }
    }
    return e instanceof RuntimeException ? SqlErrors.toClient(e) : SqlErrors.sneakyThrow(e);
  }

  // ---- execution, with failures mapped to SQLStates ----

  @Override public StatementHandle prepare(ConnectionHandle ch, String sql, long maxRowCount) {
    try {
      ForUpdate.rejectIfUsed(sql);
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
      statementStarts();
      ForUpdate.rejectIfUsed(sql);
      return conflictRetry().run(sql, this::autoCommitWithoutTransaction,
          () -> super.prepareAndExecute(h, sql, maxRowCount, maxRowsInFirstFrame, callback));
    } catch (NoSuchStatementException e) {
      throw e;
    } catch (Exception e) {
      // Also a SQLException thrown unchecked by a result iterator (DML row counts).
      throw statementFailed(e);
    } finally {
      statementEnds();
    }
  }

  @Override public ExecuteBatchResult prepareAndExecuteBatch(StatementHandle h,
      List<String> sqlCommands) throws NoSuchStatementException {
    try {
      statementStarts();
      return super.prepareAndExecuteBatch(h, sqlCommands);
    } catch (NoSuchStatementException e) {
      throw e;
    } catch (Exception e) {
      throw statementFailed(e);
    } finally {
      statementEnds();
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
      statementStarts();
      return conflictRetry().run(h.signature == null ? "statement " + h.id : h.signature.sql,
          this::autoCommitWithoutTransaction,
          () -> super.execute(h, parameterValues, maxRowsInFirstFrame));
    } catch (NoSuchStatementException e) {
      throw e;
    } catch (Exception e) {
      throw statementFailed(e);
    } finally {
      statementEnds();
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
      statementStarts();
      ExecuteBatchResult result = super.executeBatch(h, parameterValueLists);
      batch.flush();
      return result;
    } catch (NoSuchStatementException e) {
      throw e;
    } catch (Exception e) {
      throw statementFailed(e);
    } finally {
      statementEnds();
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
