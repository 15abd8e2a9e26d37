package io.tessera.sql.txn;

import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.util.concurrent.TimeUnit;

/**
 * How long one write statement waits for locks of other live transactions: at most
 * {@code lockWaitTimeoutMs} from the first lock it met, with a short growing backoff between
 * attempts. Bounded waiting is what ends a deadlock: at least one side fails with 40001.
 */
public final class LockWait {
  private static final long FIRST_BACKOFF_MS = 5;
  private static final long MAX_BACKOFF_MS = 100;

  private final long timeoutMs;
  private long startNanos;
  private int pauses;

  public LockWait(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /**
   * Waits a little before the write is retried, or fails with 40001 when the statement has waited
   * {@code timeoutMs} already.
   *
   * @param holder what holds the lock, for the message ("key [1] of table T is locked by ...")
   */
  void pause(String holder) {
    long now = System.nanoTime();
    if (pauses == 0) {
      startNanos = now;
    }
    long waited = TimeUnit.NANOSECONDS.toMillis(now - startNanos);
    if (waited >= timeoutMs) {
      throw new TesseraException(SqlStates.SERIALIZATION_FAILURE, "Lock wait timeout: "
          + holder + "; waited " + waited + " ms (connection property "
          + TxnOptions.LOCK_WAIT + " = " + timeoutMs + "); retry the transaction");
    }
    long sleep = Math.min(timeoutMs - waited,
        Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(pauses, 10)));
    pauses++;
    try {
      Thread.sleep(Math.max(1, sleep));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TesseraException("57014", "Interrupted while waiting for a lock: " + holder, e);
    }
  }
}
