package io.tessera.sql.route;

import io.grpc.Status;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * How long a request keeps following its shard's route through a failover (docs/replication.md,
 * "Frontends follow the route"): answers STALE_EPOCH, NOT_PRIMARY, NOT_SERVING, UNKNOWN_SHARD
 * (and SCHEMA_MISMATCH), and the transport failures UNAVAILABLE and DEADLINE_EXCEEDED, are retried
 * on the refreshed route with exponential backoff until {@link #budget()} has passed since the
 * first failure; then the statement fails with 08006.
 *
 * <p>One per connection, from the connection property {@value #PROPERTY} (milliseconds, default
 * 30 000). {@link #start()} begins the clock of one request.
 *
 * @param budget how long one request may keep retrying
 */
public record FailoverBudget(Duration budget) {
  /** Connection property: the budget in milliseconds. */
  public static final String PROPERTY = "failoverTimeoutMs";
  public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(30);
  public static final FailoverBudget DEFAULT = new FailoverBudget(DEFAULT_BUDGET);
  /**
   * How often a request waiting on a shard compares the route it was sent on with the metadata
   * cache, to abandon a primary that was replaced (e.g. a stopped process that holds its
   * connections open).
   */
  public static final Duration ROUTE_POLL = Duration.ofMillis(150);

  static final long FIRST_BACKOFF_MS = 20;
  // Small: a retry against a dead node fails fast, and a new primary is usually up within a
  // second or two of the failure, so a long sleep would only add to the failover time.
  static final long MAX_BACKOFF_MS = 200;

  public FailoverBudget {
    if (budget.isNegative()) {
      throw new IllegalArgumentException("failover budget must not be negative: " + budget);
    }
  }

  /**
   * The budget of a connection's properties ({@value #PROPERTY}), or the default.
   *
   * @throws TesseraException 08001 for a value that is not a non-negative integer
   */
  public static FailoverBudget fromProperties(Properties info) {
    String v = info == null ? null : info.getProperty(PROPERTY);
    if (v == null || v.isBlank()) {
      return DEFAULT;
    }
    try {
      long ms = Long.parseLong(v.trim());
      if (ms >= 0) {
        return new FailoverBudget(Duration.ofMillis(ms));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new TesseraException("08001", "Connection property " + PROPERTY
        + " must be a number of milliseconds >= 0, not '" + v + "'");
  }

  /** Starts the clock of one request. */
  public Attempts start() {
    return new Attempts(System.nanoTime() + budget.toNanos());
  }

  /** Whether a shard's in-band error is worth retrying on a refreshed route. */
  public static boolean retryable(Error error) {
    return ShardErrors.isRetryable(error);
  }

  /**
   * Whether a transport failure is worth retrying on a refreshed route: the node is unreachable
   * (UNAVAILABLE) or did not answer in time (DEADLINE_EXCEEDED; a resent write keeps its seq).
   */
  public static boolean retryable(Status.Code code) {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }

  /** The retries of one request: attempts so far and when to give up. */
  public static final class Attempts {
    private final long giveUpNanos;
    private int retries;

    Attempts(long giveUpNanos) {
      this.giveUpNanos = giveUpNanos;
    }

    /** Retries made so far. */
    public int retries() {
      return retries;
    }

    /** Milliseconds left of the budget (0 when spent). */
    public long remainingMillis() {
      return Math.max(0, TimeUnit.NANOSECONDS.toMillis(giveUpNanos - System.nanoTime()));
    }

    public boolean expired() {
      return System.nanoTime() - giveUpNanos >= 0;
    }

    /**
     * Waits before the next retry (20 ms, doubling up to 200 ms, never past the budget) and returns
     * true, or returns false at once when the budget is spent.
     *
     * @throws TesseraException 57014 when interrupted
     */
    public boolean backoff() {
      if (expired()) {
        return false;
      }
      long ms = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(retries, 10));
      retries++;
      try {
        Thread.sleep(Math.max(1, Math.min(ms, remainingMillis())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TesseraException("57014", "Interrupted while waiting to retry", e);
      }
      return true;
    }

    /** The 08006 failure of a request whose budget is spent. */
    public TesseraException exhausted(String what, String lastProblem, Throwable cause) {
      return new TesseraException(SqlStates.CONNECTION_FAILURE, what + " failed after " + retries
          + " retries over the failover budget: " + lastProblem, cause);
    }
  }
}
