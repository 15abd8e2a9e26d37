package io.tessera.sql.txn;

import io.tessera.sql.error.TesseraException;
import java.util.Properties;

/**
 * A connection's transaction settings, from its connection properties.
 *
 * @param ttlMs {@value #TTL}: how long a transaction's locks live without a heartbeat (the
 *     frontend heartbeats every second while the transaction is open), default 3000
 * @param lockWaitTimeoutMs {@value #LOCK_WAIT}: how long a write waits for another live
 *     transaction's lock before it fails with 40001, default 1000
 */
public record TxnOptions(long ttlMs, long lockWaitTimeoutMs) {
  public static final String TTL = "txnTtlMs";
  public static final String LOCK_WAIT = "lockWaitTimeoutMs";
  public static final TxnOptions DEFAULT = new TxnOptions(3000, 1000);

  /** @throws TesseraException 08001 for a value that is not a number of milliseconds >= 0 */
  public static TxnOptions fromProperties(Properties info) {
    return new TxnOptions(millis(info, TTL, DEFAULT.ttlMs),
        millis(info, LOCK_WAIT, DEFAULT.lockWaitTimeoutMs));
  }

  private static long millis(Properties info, String key, long dflt) {
    String v = info == null ? null : info.getProperty(key);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      long ms = Long.parseLong(v.trim());
      if (ms >= 0) {
        return ms;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new TesseraException("08001", "Connection property " + key
        + " must be a number of milliseconds >= 0, not '" + v + "'");
  }
}
