package io.tessera.sql.jdbc;

import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an autocommit statement again, from the start (its reads included), when it failed with
 * 40001, as CockroachDB does for implicit transactions: up to {@value #PROPERTY} times (connection
 * property, default {@value #DEFAULT_RETRIES}; 0 hands every 40001 to the application), after a
 * short jittered backoff, so concurrent {@code UPDATE t SET x = x + 1} statements all succeed
 * instead of failing where a concurrent update was detected.
 *
 * <p>That is safe because such a statement applied nothing: a one-phase write is all or nothing,
 * an implicit multi-shard transaction that failed with 40001 was rolled back, and a read wrote
 * nothing; and nobody saw its result yet. A statement inside an explicit transaction is never
 * retried: its earlier statements' reads may have decided what it does, so the application must
 * see the 40001 and retry the whole transaction (docs/transactions.md).
 */
final class ConflictRetry {
  /** Connection property: how many times an autocommit statement is rerun after 40001. */
  static final String PROPERTY = "conflictRetries";
  static final int DEFAULT_RETRIES = 5;
  /** Backoff before the first retry; doubled for each further one, up to {@link #MAX_BACKOFF_MS}. */
  private static final long FIRST_BACKOFF_MS = 2;
  private static final long MAX_BACKOFF_MS = 64;

  private static final Logger LOG = LoggerFactory.getLogger(ConflictRetry.class);

  private final int retries;

  ConflictRetry(int retries) {
    this.retries = retries;
  }

  /**
   * The policy of a connection's properties ({@value #PROPERTY}).
   *
   * @throws TesseraException 08001 for a value that is not a number >= 0
   */
  static ConflictRetry fromProperties(Properties info) {
    String v = info == null ? null : info.getProperty(PROPERTY);
    if (v == null || v.isBlank()) {
      return new ConflictRetry(DEFAULT_RETRIES);
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 0) {
        return new ConflictRetry(n);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new TesseraException("08001", "Connection property " + PROPERTY
        + " must be a number of retries >= 0, not '" + v + "'");
  }

  int retries() {
    return retries;
  }

  /** One execution of a statement. */
  @FunctionalInterface
  interface Execution<T, E extends Exception> {
    T run() throws E;
  }

  /**
   * Runs {@code statement}, and again after each 40001 while {@code autoCommit} says the
   * connection is in autocommit mode with no transaction open, at most {@link #retries()} more
   * times; the last failure is thrown as it came.
   *
   * @param what the statement, for the log
   */
  <T, E extends Exception> T run(String what, BooleanSupplier autoCommit,
      Execution<T, E> statement) throws E {
    for (int retry = 0; ; retry++) {
      try {
        return statement.run();
      } catch (Exception e) {
        if (retry >= retries || !SqlStates.SERIALIZATION_FAILURE.equals(SqlErrors.sqlState(e))
            || !autoCommit.getAsBoolean()) {
          if (retry > 0) {
            LOG.debug("{} still failed after {} retries: {}", what, retry, e.toString());
          }
          throw e;
        }
        long backoff = backoffMs(retry);
        LOG.debug("{} failed with 40001 ({}); running it again in {} ms (retry {} of {})", what,
            SqlErrors.classify(e).message(), backoff, retry + 1, retries);
        if (!sleep(backoff)) {
          throw e;
        }
      }
    }
  }

  /** Exponential with full jitter, so statements that collided do not collide again in step. */
  private static long backoffMs(int retry) {
    long cap = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(retry, 10));
    return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
  }

  /** False when interrupted (the interrupt is kept for the caller). */
  private static boolean sleep(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
