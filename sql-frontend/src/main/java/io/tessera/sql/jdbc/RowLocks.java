package io.tessera.sql.jdbc;

import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.dml.ShardWriter;
import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.schema.ShardedTable;
import io.tessera.sql.schema.TesseraSchema;
import io.tessera.sql.txn.ForUpdate;
import io.tessera.sql.txn.TxnSession;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.schema.SchemaPlus;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The locking half of {@code SELECT ... FOR UPDATE} ({@link ForUpdate}): runs the lock query on
 * the same connection (so in the same transaction, at its snapshot) and prewrites LOCK mutations
 * of the keys it returns ({@link ShardWriter#lock}); the statement's query runs afterwards. In
 * autocommit mode there is no transaction to hold the locks, and nothing is locked.
 */
final class RowLocks {
  private RowLocks() {}

  /** The Tessera schema of {@code connection}, or null. */
  static @Nullable TesseraSchema tessera(Connection connection) throws SQLException {
    SchemaPlus root = connection.unwrap(CalciteConnection.class).getRootSchema();
    SchemaPlus sub = root.subSchemas().get(TesseraSchema.NAME);
    return sub == null ? null : sub.unwrap(TesseraSchema.class);
  }

  /** The stored schema of the locked table, or null when it does not exist (the query says). */
  static @Nullable TableSchema table(Connection connection, ForUpdate forUpdate)
      throws SQLException {
    TesseraSchema tessera = forUpdate.table().isEmpty() ? null : tessera(connection);
    ShardedTable table = tessera == null ? null : tessera.table(forUpdate.table());
    return table == null ? null : table.schema();
  }

  /** The table ordinals the lock query selects: the primary key, then the shard key. */
  static List<Integer> keyColumns(TableSchema schema) {
    TreeSet<Integer> ordinals = new TreeSet<>(schema.getPrimaryKeyList());
    ordinals.addAll(schema.getShardKeyList());
    for (int c : ordinals) {
      if (schema.getColumns(c).getHidden()) {
        throw TesseraException.unsupported("SELECT ... FOR UPDATE: table " + schema.getName()
            + " has no primary key, so its rows cannot be locked");
      }
    }
    return new ArrayList<>(ordinals);
  }

  /** The lock query of {@code forUpdate} over {@code schema}. */
  static String lockQuery(ForUpdate forUpdate, TableSchema schema) {
    List<String> names = new ArrayList<>();
    for (int c : keyColumns(schema)) {
      names.add(schema.getColumns(c).getName());
    }
    return forUpdate.lockQuery(names);
  }

  /**
   * Locks the rows {@code forUpdate} selects: with {@code prepared} (the lock query prepared with
   * the statement, its parameters set) or else by running the lock query as a plain statement.
   */
  static void lock(Connection connection, ForUpdate forUpdate,
      @Nullable PreparedStatement prepared) throws SQLException {
    TesseraSchema tessera = tessera(connection);
    TableSchema schema = table(connection, forUpdate);
    if (tessera == null || schema == null) {
      return;
    }
    TxnSession session = tessera.txn();
    if (session.autoCommit()) {
      return;
    }
    if (session.snapshot() != null) {
      throw new SQLException("SELECT ... FOR UPDATE of table " + schema.getName()
          + " is not supported while the connection reads a past snapshot (SNAPSHOT_TIMESTAMP):"
          + " its rows cannot be locked", SqlStates.FEATURE_NOT_SUPPORTED);
    }
    if (session.readOnly()) {
      throw new SQLException("SELECT ... FOR UPDATE of table " + schema.getName()
          + " is not allowed: the connection is read-only (setReadOnly(true))",
          SqlStates.READ_ONLY_TRANSACTION);
    }
    List<Integer> columns = keyColumns(schema);
    List<Object[]> rows = new ArrayList<>();
    if (prepared != null) {
      try (ResultSet rs = prepared.executeQuery()) {
        read(rs, schema, columns, rows);
      }
    } else {
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery(lockQuery(forUpdate, schema))) {
        read(rs, schema, columns, rows);
      }
    }
    try {
      ShardWriter.lock(tessera, schema, rows);
    } catch (RuntimeException e) {
      session.statementFailed(e);
      throw SqlErrors.toSqlException(e);
    }
  }

  private static void read(ResultSet rs, TableSchema schema, List<Integer> columns,
      List<Object[]> rows) throws SQLException {
    while (rs.next()) {
      Object[] row = new Object[schema.getColumnsCount()];
      for (int i = 0; i < columns.size(); i++) {
        ColumnDef c = schema.getColumns(columns.get(i));
        row[columns.get(i)] = internal(c.getType(), rs.getObject(i + 1));
      }
      rows.add(row);
    }
  }

  /** A JDBC value as the codecs want it (dates as days, times as milliseconds). */
  private static @Nullable Object internal(ColumnType type, @Nullable Object v)
      throws SQLException {
    if (v instanceof java.sql.Date) {
      v = ((java.sql.Date) v).toLocalDate().toEpochDay();
    } else if (v instanceof java.sql.Time) {
      v = ((java.sql.Time) v).toLocalTime().toNanoOfDay() / 1_000_000;
    } else if (v instanceof java.sql.Timestamp) {
      v = ((java.sql.Timestamp) v).toLocalDateTime().toInstant(ZoneOffset.UTC).toEpochMilli();
    }
    try {
      return Values.normalize(type, v);
    } catch (RuntimeException e) {
      throw new SQLException("SELECT ... FOR UPDATE: cannot lock a key value " + v + " of type "
          + type, SqlStates.INTERNAL, e);
    }
  }
}
