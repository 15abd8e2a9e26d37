package io.tessera.sql.txn;

import io.tessera.sql.error.TesseraException;
import java.sql.Connection;

/**
 * The isolation levels a transaction can have (docs/transactions.md): REPEATABLE READ is snapshot
 * isolation (every statement reads at the transaction's start timestamp), READ COMMITTED reads a
 * fresh snapshot per statement. Both see the transaction's own writes.
 */
public enum Isolation {
  READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED),
  REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ);

  /** The level of a new connection. */
  public static final Isolation DEFAULT = REPEATABLE_READ;

  private final int jdbcLevel;

  Isolation(int jdbcLevel) {
    this.jdbcLevel = jdbcLevel;
  }

  public int jdbcLevel() {
    return jdbcLevel;
  }

  /**
   * The level {@code setTransactionIsolation(level)} gets: READ UNCOMMITTED is raised to READ
   * COMMITTED (JDBC lets a driver substitute a stricter level); SERIALIZABLE fails with 0A000
   * (snapshot isolation is not serializable, and substituting a weaker level is not allowed), as
   * does NONE.
   */
  public static Isolation ofJdbc(int level) {
    switch (level) {
      case Connection.TRANSACTION_READ_UNCOMMITTED:
      case Connection.TRANSACTION_READ_COMMITTED:
        return READ_COMMITTED;
      case Connection.TRANSACTION_REPEATABLE_READ:
        return REPEATABLE_READ;
      case Connection.TRANSACTION_SERIALIZABLE:
        throw TesseraException.unsupported("Transaction isolation level"
            + " TRANSACTION_SERIALIZABLE is not supported: Tessera gives snapshot isolation"
            + " (TRANSACTION_REPEATABLE_READ, the default), which allows write skew and so is"
            + " not serializable; use TRANSACTION_REPEATABLE_READ or"
            + " TRANSACTION_READ_COMMITTED");
      default:
        throw TesseraException.unsupported("Transaction isolation level " + level
            + " cannot be set; use TRANSACTION_REPEATABLE_READ (the default) or"
            + " TRANSACTION_READ_COMMITTED");
    }
  }

  /** Whether {@code DatabaseMetaData.supportsTransactionIsolationLevel(level)}. */
  public static boolean supports(int level) {
    return level == Connection.TRANSACTION_READ_UNCOMMITTED
        || level == Connection.TRANSACTION_READ_COMMITTED
        || level == Connection.TRANSACTION_REPEATABLE_READ;
  }
}
