package io.tessera.sql.jdbc;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Savepoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What autocommit, commit, rollback, savepoints, isolation and read-only do through JDBC
 * (docs/jdbc.md, "Transactions").
 */
class TransactionSemanticsTest extends ClusterTestBase {

  @Test void rollbackUndoesAndCommitKeepsWhatTheTransactionWrote() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE tx (id INT PRIMARY KEY, v INT) SHARDS 4");
      c.setAutoCommit(false);
      assertThat(c.getAutoCommit()).isFalse();
      c.rollback(); // nothing begun: a no-op
      assertThat(query(c, "SELECT COUNT(*) FROM tx")).containsExactly(List.of(0L));

      update(c, "INSERT INTO tx VALUES (1, 1), (2, 2), (3, 3)");
      update(c, "UPDATE tx SET v = 10 WHERE id = 1");
      assertThat(query(c, "SELECT id, v FROM tx ORDER BY id"))
          .containsExactly(List.of(1, 10), List.of(2, 2), List.of(3, 3));
      c.rollback();
      assertThat(query(c, "SELECT COUNT(*) FROM tx")).containsExactly(List.of(0L));

      update(c, "INSERT INTO tx VALUES (1, 1), (2, 2)");
      c.commit();
      update(c, "DELETE FROM tx WHERE id = 2");
      c.rollback();
      assertThat(query(c, "SELECT id, v FROM tx ORDER BY id"))
          .containsExactly(List.of(1, 1), List.of(2, 2));

      // Switching autocommit on commits.
      update(c, "INSERT INTO tx VALUES (5, 5)");
      c.setAutoCommit(true);
      c.rollback(); // nothing open
      try (Connection other = connect()) {
        assertThat(query(other, "SELECT id FROM tx ORDER BY id"))
            .containsExactly(List.of(1), List.of(2), List.of(5));
      }
      c.commit(); // autocommit on: nothing to commit
      execute(c, "DROP TABLE tx");
    }
  }

  @Test void closingAConnectionRollsItsTransactionBack() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE closed_tx (id INT PRIMARY KEY) SHARDS 3");
      try (Connection w = connect()) {
        w.setAutoCommit(false);
        update(w, "INSERT INTO closed_tx VALUES (1), (2), (3), (4)");
      }
      assertThat(query(c, "SELECT COUNT(*) FROM closed_tx")).containsExactly(List.of(0L));
      // The keys are free: their locks were rolled back, not left to expire.
      assertThat(update(c, "INSERT INTO closed_tx VALUES (1), (2), (3), (4)")).isEqualTo(4);
      execute(c, "DROP TABLE closed_tx");
    }
  }

  @Test void aStatementFailingBeforeWritingLeavesTheTransactionUsable() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE usable (id INT PRIMARY KEY, v INT)");
      update(c, "INSERT INTO usable VALUES (1, 1)");
      c.setAutoCommit(false);
      update(c, "INSERT INTO usable VALUES (2, 2)");
      assertThat(stateOf(() -> update(c, "INSERT INTO usable VALUES (1, 9)")))
          .isEqualTo("23505");
      assertThat(stateOf(() -> query(c, "SELECT nope FROM usable"))).isEqualTo("42S22");
      update(c, "INSERT INTO usable VALUES (3, 3)");
      c.commit();
      assertThat(query(c, "SELECT id, v FROM usable ORDER BY id"))
          .containsExactly(List.of(1, 1), List.of(2, 2), List.of(3, 3));
      c.setAutoCommit(true);
      execute(c, "DROP TABLE usable");
    }
  }

  @Test void ddlInsideATransactionRunsOnItsOwn() throws SQLException {
    try (Connection c = connect(); Connection other = connect()) {
      c.setAutoCommit(false);
      execute(c, "CREATE TABLE ddl_tx (id INT PRIMARY KEY)");
      update(c, "INSERT INTO ddl_tx VALUES (1)");
      // The table exists for everyone at once; the row only when the transaction commits.
      assertThat(query(other, "SELECT COUNT(*) FROM ddl_tx")).containsExactly(List.of(0L));
      c.commit();
      assertThat(query(other, "SELECT COUNT(*) FROM ddl_tx")).containsExactly(List.of(1L));
      c.setAutoCommit(true);
      execute(c, "DROP TABLE ddl_tx");
    }
  }

  @Test void malformedTransactionPropertiesFailTheConnection() {
    for (String key : List.of("lockWaitTimeoutMs", "txnTtlMs")) {
      java.util.Properties p = new java.util.Properties();
      p.setProperty(key, "soon");
      assertThat(stateOf(() -> cluster.connect(p).close())).as(key).isEqualTo("08001");
    }
  }

  @Test void savepointsAreNotSupported() throws SQLException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      assertThatThrownBy(c::setSavepoint).isInstanceOf(SQLFeatureNotSupportedException.class)
          .satisfies(e -> {
            assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000");
            assertThat(e.getMessage()).contains("as a whole");
          });
      assertThatThrownBy(() -> c.setSavepoint("s"))
          .isInstanceOf(SQLFeatureNotSupportedException.class);
      assertThatThrownBy(() -> c.rollback((Savepoint) null))
          .isInstanceOf(SQLFeatureNotSupportedException.class);
      assertThatThrownBy(() -> c.releaseSavepoint(null))
          .isInstanceOf(SQLFeatureNotSupportedException.class);
      assertThat(c.getMetaData().supportsSavepoints()).isFalse();
    }
  }

  @Test void isolationIsSnapshotByDefaultAndSerializableIsRefused() throws SQLException {
    try (Connection c = connect()) {
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
      DatabaseMetaData md = c.getMetaData();
      assertThat(md.getDefaultTransactionIsolation())
          .isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
      assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_READ_UNCOMMITTED))
          .isTrue();
      assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_READ_COMMITTED))
          .isTrue();
      assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_REPEATABLE_READ))
          .isTrue();
      assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_SERIALIZABLE))
          .isFalse();
      assertThat(md.supportsTransactions()).isTrue();
      assertThat(md.supportsSelectForUpdate()).isTrue();
      assertThat(md.dataDefinitionCausesTransactionCommit()).isFalse();
      assertThat(md.supportsDataManipulationTransactionsOnly()).isTrue();
      assertThat(md.supportsGetGeneratedKeys()).isTrue();
      assertThat(md.getConnection()).isSameAs(c);

      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED); // raised to RC
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
      assertThatThrownBy(() -> c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> {
            assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000");
            assertThat(e.getMessage()).contains("SERIALIZABLE", "not supported",
                "snapshot isolation");
          });
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
      // The connection is still usable.
      assertThat(query(c, "SELECT 1 FROM (VALUES (0))")).containsExactly(List.of(1));
    }
  }

  @Test void readOnlyConnectionsCannotWrite() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE ro (id INT PRIMARY KEY, v INT)");
      update(c, "INSERT INTO ro VALUES (1, 1)");
      c.setReadOnly(true);
      assertThat(c.isReadOnly()).isTrue();
      assertThat(stateOf(() -> update(c, "INSERT INTO ro VALUES (2, 2)"))).isEqualTo("25006");
      assertThat(stateOf(() -> update(c, "UPDATE ro SET v = 5"))).isEqualTo("25006");
      assertThat(stateOf(() -> update(c, "DELETE FROM ro"))).isEqualTo("25006");
      c.setAutoCommit(false);
      assertThat(stateOf(() -> update(c, "UPDATE ro SET v = 5"))).isEqualTo("25006");
      assertThat(query(c, "SELECT id, v FROM ro")).containsExactly(List.of(1, 1));
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(false);
      assertThat(update(c, "UPDATE ro SET v = 5")).isEqualTo(1);
      execute(c, "DROP TABLE ro");
    }
  }

  @Test void selectForUpdateRunsItsQueryAndRefusesFormsItCannotLock() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE fu (id INT PRIMARY KEY, v INT)");
      update(c, "INSERT INTO fu VALUES (1, 10), (2, 20)");
      // Autocommit: nothing to hold locks, the query runs.
      assertThat(query(c, "SELECT v FROM fu WHERE id = 1 FOR UPDATE"))
          .containsExactly(List.of(10));
      c.setAutoCommit(false);
      assertThat(query(c, "SELECT id, v FROM fu ORDER BY id FOR UPDATE"))
          .containsExactly(List.of(1, 10), List.of(2, 20));
      try (PreparedStatement ps = c.prepareStatement("SELECT v FROM fu WHERE id = ? FOR UPDATE")) {
        ps.setInt(1, 2);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(20);
        }
      }
      c.commit();
      assertThatThrownBy(() -> query(c, "SELECT COUNT(*) FROM fu GROUP BY v FOR UPDATE"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> {
            assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000");
            assertThat(e.getMessage()).contains("FOR UPDATE", "GROUP BY");
          });
      assertThatThrownBy(() -> c.prepareStatement("SELECT a.v FROM fu a, fu b FOR  update"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
      // Not fooled by literals.
      assertThat(query(c, "SELECT 'for update' FROM (VALUES (0))"))
          .containsExactly(List.of("for update"));
      c.rollback();
      c.setAutoCommit(true);
      execute(c, "DROP TABLE fu");
    }
  }
}
