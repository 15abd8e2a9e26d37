package io.tessera.sql.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.sql.error.TesseraException;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The failover budget: which failures follow the route, and for how long. */
class FailoverBudgetTest {
  @Test void budgetComesFromTheConnectionPropertyOrDefaultsToThirtySeconds() {
    assertThat(FailoverBudget.fromProperties(new Properties()).budget())
        .isEqualTo(Duration.ofSeconds(30));
    Properties p = new Properties();
    p.setProperty(FailoverBudget.PROPERTY, "2500");
    assertThat(FailoverBudget.fromProperties(p).budget()).isEqualTo(Duration.ofMillis(2500));
    p.setProperty(FailoverBudget.PROPERTY, "soon");
    assertThatThrownBy(() -> FailoverBudget.fromProperties(p))
        .isInstanceOf(TesseraException.class)
        .satisfies(e -> assertThat(((TesseraException) e).sqlState()).isEqualTo("08001"));
  }

  @Test void routeAndAvailabilityFailuresAreRetriedOthersAreNot() {
    for (Error.Code code : new Error.Code[] {Error.Code.STALE_EPOCH, Error.Code.NOT_PRIMARY,
        Error.Code.NOT_SERVING, Error.Code.UNKNOWN_SHARD, Error.Code.SCHEMA_MISMATCH}) {
      assertThat(FailoverBudget.retryable(ShardErrors.of(code, "x"))).as(code.name()).isTrue();
    }
    for (Error.Code code : new Error.Code[] {Error.Code.DUPLICATE_KEY,
        Error.Code.WRITE_CONFLICT, Error.Code.CONSTRAINT, Error.Code.BAD_REQUEST,
        Error.Code.INTERNAL}) {
      assertThat(FailoverBudget.retryable(ShardErrors.of(code, "x"))).as(code.name()).isFalse();
    }
    assertThat(FailoverBudget.retryable(Status.Code.UNAVAILABLE)).isTrue();
    assertThat(FailoverBudget.retryable(Status.Code.DEADLINE_EXCEEDED)).isTrue();
    assertThat(FailoverBudget.retryable(Status.Code.INVALID_ARGUMENT)).isFalse();
    assertThat(FailoverBudget.retryable(Status.Code.CANCELLED)).isFalse();
  }

  @Test void retriesBackOffUntilTheBudgetIsSpentThenStop() {
    FailoverBudget.Attempts attempts = new FailoverBudget(Duration.ofMillis(300)).start();
    long t0 = System.nanoTime();
    while (attempts.backoff()) {
      assertThat(attempts.retries()).isLessThan(50);
    }
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(elapsedMs).isBetween(290L, 2_000L);
    // 20, 40, 80, 160 ms: a few retries, not a busy loop.
    assertThat(attempts.retries()).isBetween(3, 6);
    assertThat(attempts.exhausted("Scan of shard 7", "node n1 unreachable", null))
        .satisfies(e -> {
          assertThat(e.sqlState()).isEqualTo("08006");
          assertThat(e.getMessage()).contains("shard 7").contains("node n1 unreachable");
        });
  }

  @Test void zeroBudgetFailsAtTheFirstFailure() {
    assertThat(new FailoverBudget(Duration.ZERO).start().backoff()).isFalse();
  }
}
