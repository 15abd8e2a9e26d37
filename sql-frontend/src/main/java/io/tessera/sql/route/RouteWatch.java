package io.tessera.sql.route;

import com.google.common.util.concurrent.ListenableFuture;
import io.tessera.sql.error.TesseraException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Waits for a call to a shard's primary while watching its route: every
 * {@link FailoverBudget#ROUTE_POLL} it asks whether the route moved (another primary, another
 * epoch, the node no longer live), and if so cancels the call, whose outcome is then unknown.
 */
public final class RouteWatch {
  private RouteWatch() {}

  /** A call given up on (or never made) with why; it may or may not have been applied. */
  public record Abandoned(String reason) {}

  /**
   * The call's response, the Throwable it failed with, or {@link Abandoned} when {@code moved}
   * (polled while waiting) names a reason to give up.
   *
   * @param what the call, for the message of an interrupt (57014)
   */
  public static Object await(ListenableFuture<?> call, Supplier<String> moved, String what) {
    long pollNanos = FailoverBudget.ROUTE_POLL.toNanos();
    while (true) {
      try {
        return call.get(pollNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        call.cancel(true);
        Thread.currentThread().interrupt();
        throw new TesseraException("57014", "Interrupted during " + what, e);
      } catch (ExecutionException e) {
        return e.getCause();
      } catch (TimeoutException e) {
        String reason = moved.get();
        if (reason != null) {
          call.cancel(true);
          return new Abandoned(reason);
        }
      }
    }
  }
}
