package io.tessera.sql.jdbc;

import io.tessera.sql.dml.InsertedKeys;
import io.tessera.sql.error.BatchWriteException;
import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.error.SqlStates;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.txn.ForUpdate;
import io.tessera.sql.txn.Isolation;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.calcite.jdbc.CalciteConnection;

/**
 * Thin proxies over Calcite's connection and statements that add what Avatica leaves
 * unsupported: {@code getGeneratedKeys()} and the statement forms that ask for generated keys
 * ({@code executeUpdate/execute(sql, RETURN_GENERATED_KEYS | columnIndexes | columnNames)},
 * {@code prepareStatement(sql, RETURN_GENERATED_KEYS | columnIndexes | columnNames)}).
 *
 * <p>They also give transaction control its documented behaviour (docs/jdbc.md, "Transactions":
 * {@code commit()}/{@code rollback()}/{@code setTransactionIsolation()} failures as SQLExceptions,
 * savepoints as {@link SQLFeatureNotSupportedException}), answer {@link DatabaseMetaData}
 * questions Avatica gets wrong for Tessera (transactions, isolation, generated keys), and turn a
 * failed {@code executeBatch()} into a {@link BatchUpdateException}.
 *
 * <p>The proxies implement every interface of the object they wrap (so a connection is still a
 * {@link CalciteConnection}) and unwrap to it.
 */
final class JdbcProxies {
  private JdbcProxies() {}

  static Connection connection(Connection real) {
    return (Connection) Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(),
        interfaces(real, Connection.class), new ConnectionHandler(real));
  }

  private static Class<?>[] interfaces(Object real, Class<?> base) {
    Set<Class<?>> out = new LinkedHashSet<>();
    out.add(base);
    for (Class<?> c = real.getClass(); c != null; c = c.getSuperclass()) {
      for (Class<?> i : c.getInterfaces()) {
        if (java.lang.reflect.Modifier.isPublic(i.getModifiers())) {
          out.add(i);
        }
      }
    }
    return out.toArray(new Class<?>[0]);
  }

  /**
   * Calls {@code method} on the wrapped object. Calcite builds some SQLExceptions itself without
   * a SQLState (e.g. when {@code prepareStatement} fails to validate); those get theirs from
   * {@link SqlErrors}.
   */
  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SQLException && ((SQLException) cause).getSQLState() == null) {
        throw SqlErrors.toSqlException(cause);
      }
      if (cause instanceof RuntimeException && declaresSqlException(method)) {
        // Avatica lets some Meta failures through unwrapped (rollback, connectionSync, ...).
        throw SqlErrors.toSqlException(cause);
      }
      throw cause;
    }
  }

  private static boolean declaresSqlException(Method method) {
    for (Class<?> c : method.getExceptionTypes()) {
      if (c.isAssignableFrom(SQLException.class)) {
        return true;
      }
    }
    return false;
  }

  private static Object unwrap(Object proxy, Object real, Method method, Object[] args)
      throws Throwable {
    Class<?> iface = (Class<?>) args[0];
    if (method.getName().equals("isWrapperFor")) {
      return iface.isInstance(proxy) || (Boolean) invoke(real, method, args);
    }
    return iface.isInstance(proxy) ? proxy : invoke(real, method, args);
  }

  private static GeneratedKeys.Request request(Object arg) {
    if (arg instanceof Integer) {
      return (Integer) arg == Statement.RETURN_GENERATED_KEYS ? GeneratedKeys.Request.KEYS : null;
    }
    if (arg instanceof int[]) {
      return new GeneratedKeys.Request(null, (int[]) arg);
    }
    if (arg instanceof String[]) {
      return new GeneratedKeys.Request((String[]) arg, null);
    }
    return null;
  }

  /** Connection: statements come back wrapped. */
  private static final class ConnectionHandler implements InvocationHandler {
    private final Connection real;

    ConnectionHandler(Connection real) {
      this.real = real;
    }

    @Override public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      switch (name) {
        case "unwrap":
        case "isWrapperFor":
          return unwrap(proxy, real, method, args);
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "Tessera" + real;
        case "createStatement": {
          Statement s = (Statement) JdbcProxies.invoke(real, method, args);
          return statement(s, (Connection) proxy, null, null, null);
        }
        case "getMetaData":
          return metaData((DatabaseMetaData) JdbcProxies.invoke(real, method, args),
              (Connection) proxy);
        case "setSavepoint":
        case "releaseSavepoint":
          throw new SQLFeatureNotSupportedException("Savepoints are not supported: a"
              + " transaction commits or rolls back as a whole", SqlStates.FEATURE_NOT_SUPPORTED);
        case "rollback":
          if (args != null && args.length == 1) {
            throw new SQLFeatureNotSupportedException("Rollback to a savepoint is not"
                + " supported (savepoints are not): a transaction rolls back as a whole",
                SqlStates.FEATURE_NOT_SUPPORTED);
          }
          return JdbcProxies.invoke(real, method, args);
        case "prepareStatement": {
          ForUpdate forUpdate = forUpdate((String) args[0]);
          Object[] call = args;
          PreparedStatement lock = null;
          if (forUpdate != null) {
            call = args.clone();
            call[0] = forUpdate.query();
            lock = prepareLock(real, forUpdate);
          }
          GeneratedKeys.Request keys = call.length == 2 ? request(call[1]) : null;
          Object result = keys != null || (call.length == 2 && call[1] instanceof Integer)
              ? JdbcProxies.invoke(real,
                  Connection.class.getMethod("prepareStatement", String.class),
                  new Object[] {call[0]})
              : JdbcProxies.invoke(real, method, call);
          return statement((Statement) result, (Connection) proxy, keys, forUpdate, lock);
        }
        default:
          return JdbcProxies.invoke(real, method, args);
      }
    }
  }

  /** {@code sql} as a SELECT ... FOR UPDATE, or null (0A000 for a form not supported). */
  private static ForUpdate forUpdate(String sql) throws SQLException {
    try {
      return ForUpdate.of(sql);
    } catch (RuntimeException e) {
      throw SqlErrors.toSqlException(e);
    }
  }

  /** The lock query of a prepared FOR UPDATE, prepared too (null if the table is unknown). */
  private static PreparedStatement prepareLock(Connection real, ForUpdate forUpdate)
      throws SQLException {
    try {
      TableSchema schema = RowLocks.table(real, forUpdate);
      return schema == null ? null : real.prepareStatement(RowLocks.lockQuery(forUpdate, schema));
    } catch (RuntimeException e) {
      throw SqlErrors.toSqlException(e);
    }
  }

  /**
   * A failed batch as JDBC says it fails: a {@link BatchUpdateException} with the SQLState, and
   * the per-command update counts when the writer knows them ({@link BatchWriteException}), else
   * none (processing stopped; commands before the failing one may have been applied).
   */
  static BatchUpdateException batchFailure(SQLException e) {
    long[] counts = BatchWriteException.takeLastCounts();
    for (Throwable t = e; counts == null && t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof BatchWriteException) {
        counts = ((BatchWriteException) t).updateCounts();
      }
    }
    if (counts == null) {
      counts = new long[0];
    }
    return new BatchUpdateException(e.getMessage(), e.getSQLState(), e.getErrorCode(), counts,
        e);
  }

  /** DatabaseMetaData: Tessera's answers where Avatica's generic ones are wrong. */
  static DatabaseMetaData metaData(DatabaseMetaData real, Connection connection) {
    return (DatabaseMetaData) Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(),
        interfaces(real, DatabaseMetaData.class), (proxy, method, args) -> {
          switch (method.getName()) {
            case "unwrap":
            case "isWrapperFor":
              return unwrap(proxy, real, method, args);
            case "equals":
              return proxy == args[0];
            case "hashCode":
              return System.identityHashCode(proxy);
            case "getConnection":
              return connection;
            case "getDefaultTransactionIsolation":
              return Isolation.DEFAULT.jdbcLevel();
            case "supportsTransactionIsolationLevel":
              return Isolation.supports((Integer) args[0]);
            case "supportsTransactions":
            case "supportsMultipleTransactions":
            case "supportsSelectForUpdate":
            case "supportsDataManipulationTransactionsOnly":
              return true;
            case "supportsSavepoints":
            // DDL inside a transaction runs on its own: it neither commits nor joins the
            // transaction.
            case "supportsDataDefinitionAndDataManipulationTransactions":
            case "dataDefinitionCausesTransactionCommit":
            case "dataDefinitionIgnoredInTransactions":
              return false;
            case "supportsGetGeneratedKeys":
              return true;
            default:
              return JdbcProxies.invoke(real, method, args);
          }
        });
  }

  static Statement statement(Statement real, Connection connection,
      GeneratedKeys.Request keys, ForUpdate forUpdate, PreparedStatement lock) {
    Class<?> base = real instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
    return (Statement) Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(),
        interfaces(real, base), new StatementHandler(real, connection, keys, forUpdate, lock));
  }

  /**
   * Statement: captures inserted rows when keys were asked for; answers getGeneratedKeys; runs
   * {@code SELECT ... FOR UPDATE} as its lock query then its query ({@link RowLocks}).
   */
  private static final class StatementHandler implements InvocationHandler {
    private final Statement real;
    private final Connection connection;
    /** Keys asked for at prepare time (PreparedStatement), or null. */
    private final GeneratedKeys.Request prepared;
    /** A prepared SELECT ... FOR UPDATE, and its lock query prepared alongside, or null. */
    private final ForUpdate forUpdate;
    private final PreparedStatement lock;
    private GeneratedKeys.Request lastRequest;
    private InsertedKeys lastCapture;

    StatementHandler(Statement real, Connection connection, GeneratedKeys.Request prepared,
        ForUpdate forUpdate, PreparedStatement lock) {
      this.real = real;
      this.connection = connection;
      this.prepared = prepared;
      this.forUpdate = forUpdate;
      this.lock = lock;
    }

    @Override public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      int argc = args == null ? 0 : args.length;
      if (lock != null && (name.equals("clearParameters") || name.startsWith("set")
          && method.getDeclaringClass() == PreparedStatement.class && argc > 0
          && args[0] instanceof Integer && (Integer) args[0] <= forUpdate.lockParameters())) {
        // The lock query's parameters are the statement's first ones.
        JdbcProxies.invoke(lock, method, args);
      }
      if (name.equals("close") && lock != null) {
        lock.close();
      }
      if (name.startsWith("execute") && !name.contains("Batch")) {
        args = lockRows(args, argc);
      }
      switch (name) {
        case "unwrap":
        case "isWrapperFor":
          return unwrap(proxy, real, method, args);
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "Tessera" + real;
        case "getConnection":
          return connection;
        case "getGeneratedKeys":
          return GeneratedKeys.resultSet(lastRequest, lastCapture);
        case "executeUpdate":
        case "executeLargeUpdate":
        case "execute":
          if (argc == 2) {
            // (sql, autoGeneratedKeys | columnIndexes | columnNames)
            GeneratedKeys.Request keys = request(args[1]);
            Method plain = Statement.class.getMethod(name, String.class);
            return capture(keys, plain, new Object[] {args[0]});
          }
          return capture(argc == 0 ? prepared : null, method, args);
        case "executeBatch":
        case "executeLargeBatch":
          BatchWriteException.takeLastCounts();
          try {
            return capture(prepared, method, args);
          } catch (BatchUpdateException e) {
            throw e;
          } catch (SQLException e) {
            throw batchFailure(e);
          } finally {
            BatchWriteException.takeLastCounts();
          }
        case "executeQuery":
          lastRequest = null;
          lastCapture = null;
          return JdbcProxies.invoke(real, method, args);
        default:
          return JdbcProxies.invoke(real, method, args);
      }
    }

    /**
     * For a SELECT ... FOR UPDATE (given now as SQL, or prepared): locks its rows and returns the
     * arguments with the query to run instead; other statements pass unchanged.
     */
    private Object[] lockRows(Object[] args, int argc) throws SQLException {
      if (argc == 0 && forUpdate != null) {
        RowLocks.lock(connection, forUpdate, lock);
        return args;
      }
      if (argc >= 1 && args[0] instanceof String) {
        ForUpdate now = forUpdate((String) args[0]);
        if (now != null) {
          RowLocks.lock(connection, now, null);
          Object[] changed = args.clone();
          changed[0] = now.query();
          return changed;
        }
      }
      return args;
    }

    private Object capture(GeneratedKeys.Request keys, Method method, Object[] args)
        throws Throwable {
      lastRequest = keys;
      lastCapture = null;
      if (keys == null) {
        return JdbcProxies.invoke(real, method, args);
      }
      InsertedKeys capture = InsertedKeys.begin();
      try {
        Object result = JdbcProxies.invoke(real, method, args);
        lastCapture = capture;
        return result;
      } finally {
        InsertedKeys.end();
      }
    }
  }
}
