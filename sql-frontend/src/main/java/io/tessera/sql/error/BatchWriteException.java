package io.tessera.sql.error;

/**
 * A failed batch write that knows, per batched command, whether it was applied: the JDBC layer
 * turns it into a {@link java.sql.BatchUpdateException} with these update counts
 * ({@link java.sql.Statement#EXECUTE_FAILED} for a command that was not).
 *
 * <p>Avatica rebuilds the SQLException without the cause chain, so the counts of the last one
 * created on a thread are also kept for the JDBC layer on the same thread
 * ({@link #takeLastCounts()}).
 */
public class BatchWriteException extends TesseraException {
  private static final long serialVersionUID = 1L;
  private static final ThreadLocal<long[]> LAST = new ThreadLocal<>();

  private final long[] updateCounts;

  public BatchWriteException(String sqlState, int vendorCode, String message, long[] updateCounts,
      Throwable cause) {
    super(sqlState, vendorCode, message, cause);
    this.updateCounts = updateCounts.clone();
    LAST.set(this.updateCounts);
  }

  /** The update counts of the last one created on this thread (and forgets them), or null. */
  public static long[] takeLastCounts() {
    long[] counts = LAST.get();
    LAST.remove();
    return counts;
  }

  public long[] updateCounts() {
    return updateCounts.clone();
  }
}
