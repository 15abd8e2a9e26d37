package io.tessera.sql.error;

import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;

/**
 * The one exception Tessera's frontend code throws for a failure the user must see: it carries the
 * SQLState (and vendor code) it will have as a {@link java.sql.SQLException}. It is unchecked so
 * it can cross Calcite's generated code and linq4j enumerators; {@link SqlErrors} turns it (and
 * everything else) into the SQLException the application receives.
 */
public class TesseraException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String sqlState;
  private final int vendorCode;

  public TesseraException(String sqlState, String message) {
    this(sqlState, message, null);
  }

  public TesseraException(String sqlState, String message, Throwable cause) {
    this(sqlState, 0, message, cause);
  }

  public TesseraException(String sqlState, int vendorCode, String message, Throwable cause) {
    super(message, cause);
    this.sqlState = sqlState;
    this.vendorCode = vendorCode;
  }

  public String sqlState() {
    return sqlState;
  }

  public int vendorCode() {
    return vendorCode;
  }

  /** The failure a shard node or the coordinator reported in-band. */
  public static TesseraException fromShard(Error error) {
    return fromShard(error, null);
  }

  /** The failure a shard node or the coordinator reported in-band, naming where it came from. */
  public static TesseraException fromShard(Error error, String where) {
    String message = error.getMessage().isEmpty() ? error.getCode().name() : error.getMessage();
    if (where != null) {
      message = message + " (" + where + ")";
    }
    return new TesseraException(ShardErrors.sqlState(error), 0, message, null);
  }

  public static TesseraException unsupported(String message) {
    return new TesseraException(SqlStates.FEATURE_NOT_SUPPORTED, message);
  }

  public static TesseraException syntax(String message) {
    return new TesseraException(SqlStates.SYNTAX_ERROR, message);
  }

  public static TesseraException unavailable(String message, Throwable cause) {
    return new TesseraException(SqlStates.CONNECTION_FAILURE, message, cause);
  }
}
