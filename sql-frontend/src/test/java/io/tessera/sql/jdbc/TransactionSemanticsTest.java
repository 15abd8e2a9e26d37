package io.tessera.sql.jdbc;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Savepoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What autocommit off, commit, rollback, savepoints and isolation do until transactions land. */
class TransactionSemanticsTest extends ClusterTestBase {

  @Test void rollbackAfterWritesFailsBecauseTheyAreAlreadyCommitted() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE tx (id INT PRIMARY KEY, v INT)");
      c.setAutoCommit(false);
      assertThat(c.getAutoCommit()).isFalse();
      c.rollback(); // nothing written: a no-op
      assertThat(query(c, "SELECT COUNT(*) FROM tx")).containsExactly(List.of(0L));
      assertThat(update(c, "UPDATE tx SET v = 1")).isZero();
      c.rollback(); // still nothing written

      update(c, "INSERT INTO tx VALUES (1, 1), (2, 2)");
      update(c, "UPDATE tx SET v = 3 WHERE id = 1");
      assertThatThrownBy(c::rollback).isInstanceOf(SQLException.class).satisfies(e -> {
        assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000");
        assertThat(e.getMessage()).contains("3 row writes", "already committed",
            "multi-statement transactions are not supported");
      });
      // The writes stayed; the count started anew.
      assertThat(query(c, "SELECT id, v FROM tx ORDER BY id"))
          .containsExactly(List.of(1, 3), List.of(2, 2));
      c.rollback();

      update(c, "DELETE FROM tx WHERE id = 2");
      c.commit();
      c.rollback(); // nothing since the commit

      // A failed statement wrote nothing.
      assertThat(stateOf(() -> update(c, "INSERT INTO tx VALUES (1, 9)"))).isEqualTo("23505");
      c.rollback();

      // Switching autocommit on commits (and forgets) what was written.
      update(c, "INSERT INTO tx VALUES (5, 5)");
      c.setAutoCommit(true);
      c.setAutoCommit(false);
      c.rollback();

      // Writes made with autocommit on are not counted.
      c.setAutoCommit(true);
      update(c, "INSERT INTO tx VALUES (6, 6)");
      c.setAutoCommit(false);
      c.rollback();
      c.setAutoCommit(true);
      execute(c, "DROP TABLE tx");
    }
  }

  @Test void savepointsAreNotSupported() throws SQLException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      assertThatThrownBy(c::setSavepoint).isInstanceOf(SQLFeatureNotSupportedException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
      assertThatThrownBy(() -> c.setSavepoint("s"))
          .isInstanceOf(SQLFeatureNotSupportedException.class);
      assertThatThrownBy(() -> c.rollback((Savepoint) null))
          .isInstanceOf(SQLFeatureNotSupportedException.class);
      assertThatThrownBy(() -> c.releaseSavepoint(null))
          .isInstanceOf(SQLFeatureNotSupportedException.class);
      assertThat(c.getMetaData().supportsSavepoints()).isFalse();
    }
  }

  @Test void isolationIsReadCommitted() throws SQLException {
    try (Connection c = connect()) {
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
      DatabaseMetaData md = c.getMetaData();
      assertThat(md.getDefaultTransactionIsolation())
          .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
      assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_READ_COMMITTED))
          .isTrue();
      assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_REPEATABLE_READ))
          .isFalse();
      assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_SERIALIZABLE))
          .isFalse();
      assertThat(md.supportsTransactions()).isFalse();
      assertThat(md.supportsGetGeneratedKeys()).isTrue();
      assertThat(md.getConnection()).isSameAs(c);

      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED); // raised to RC
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
      for (int level : new int[] {Connection.TRANSACTION_REPEATABLE_READ,
          Connection.TRANSACTION_SERIALIZABLE}) {
        assertThatThrownBy(() -> c.setTransactionIsolation(level))
            .isInstanceOf(SQLException.class)
            .satisfies(e -> {
              assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000");
              assertThat(e.getMessage()).contains("not supported");
            });
        assertThat(c.getTransactionIsolation())
            .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
      }
      // The connection is still usable.
      assertThat(query(c, "SELECT 1 FROM (VALUES (0))")).containsExactly(List.of(1));
    }
  }
}
