package io.tessera.sql.error;

/** The SQLStates Tessera reports (SQL:2016 classes, plus the ODBC 42Sxx names clients expect). */
public final class SqlStates {
  private SqlStates() {}

  /** Connection failure (08006): a shard node or the coordinator is unreachable. */
  public static final String CONNECTION_FAILURE = "08006";
  /** Connection does not exist (08003). */
  public static final String CONNECTION_DOES_NOT_EXIST = "08003";
  /** Feature not supported (0A000). */
  public static final String FEATURE_NOT_SUPPORTED = "0A000";
  /** Data exception (22000). */
  public static final String DATA_EXCEPTION = "22000";
  /** String data, right truncation (22001): a value longer than its CHAR/VARCHAR/BINARY column. */
  public static final String STRING_TRUNCATION = "22001";
  /** Numeric value out of range (22003). */
  public static final String NUMERIC_OUT_OF_RANGE = "22003";
  /** Invalid datetime format (22007). */
  public static final String INVALID_DATETIME = "22007";
  /** Division by zero (22012). */
  public static final String DIVISION_BY_ZERO = "22012";
  /** Invalid character value for cast (22018). */
  public static final String INVALID_CAST = "22018";
  /** Integrity constraint violation (23000). */
  public static final String INTEGRITY_CONSTRAINT = "23000";
  /** NOT NULL violation (23502). */
  public static final String NOT_NULL_VIOLATION = "23502";
  /** Unique violation (23505). */
  public static final String UNIQUE_VIOLATION = "23505";
  /** Invalid transaction state (25000): the transaction can only be rolled back. */
  public static final String INVALID_TRANSACTION_STATE = "25000";
  /** Read-only SQL transaction (25006): a write on a read-only connection. */
  public static final String READ_ONLY_TRANSACTION = "25006";
  /** Snapshot too old (72000, as PostgreSQL): the read timestamp is below the GC safe point. */
  public static final String SNAPSHOT_TOO_OLD = "72000";
  /** Serialization failure (40001): a write conflict; retry the transaction. */
  public static final String SERIALIZATION_FAILURE = "40001";
  /** Syntax error or access rule violation (42000). */
  public static final String SYNTAX_ERROR = "42000";
  /** Table or view already exists (42S01). */
  public static final String TABLE_EXISTS = "42S01";
  /** Table or view not found (42S02). */
  public static final String TABLE_NOT_FOUND = "42S02";
  /** Index already exists (42S11). */
  public static final String INDEX_EXISTS = "42S11";
  /** Index not found (42S12). */
  public static final String INDEX_NOT_FOUND = "42S12";
  /** Column not found (42S22). */
  public static final String COLUMN_NOT_FOUND = "42S22";
  /** Internal error (XX000). */
  public static final String INTERNAL = "XX000";
}
