package io.tessera.sql.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.protocol.time.Timestamps;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Unique ids come from the slots of oracle timestamps handed to this frontend (never another
 * caller's oracle timestamp), one oracle call per block, and the block outlives an unreachable
 * oracle.
 */
class UniqueIdsTest {
  private final AtomicLong nextOracle = new AtomicLong(Timestamps.ofMillis(1_000_000));
  private final AtomicLong clock = new AtomicLong(0);
  private int calls;
  private boolean oracleDown;

  private TimestampRange oracle(int count) {
    if (oracleDown) {
      throw new IllegalStateException("no coordinator leader");
    }
    calls++;
    long first = nextOracle.getAndAdd(count * Timestamps.ORACLE_STEP);
    return new TimestampRange(first, count, Timestamps.ORACLE_STEP);
  }

  private final UniqueIds ids = new UniqueIds(this::oracle, clock::get);

  @Test void idsFillTheSlotsOfTheOracleTimestampsTaken() {
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 3 * UniqueIds.PER_TIMESTAMP; i++) {
      long id = ids.next();
      assertThat(seen.add(id)).as("unique: %s", id).isTrue();
    }
    assertThat(calls).as("one oracle call per block").isEqualTo(3);
    assertThat(seen).allMatch(id -> id < nextOracle.get(), "below every later oracle timestamp");
  }

  @Test void aLargeTakeNeedsOneOracleCall() {
    ids.next();
    int n = (int) (2 * UniqueIds.PER_TIMESTAMP + 5);
    long[] taken = ids.take(n);
    assertThat(calls).isEqualTo(2); // the first block, then 2 more for the rest in one call
    Set<Long> seen = new HashSet<>();
    for (long id : taken) {
      seen.add(id);
    }
    assertThat(seen).hasSize(n);
  }

  @Test void aStaleBlockIsRenewedInTheBackgroundAndKeptWhileTheOracleIsAway() {
    ids.renewIfStale(); // the first block, as when the first connection opens
    long first = ids.next();
    ids.renewIfStale();
    assertThat(calls).as("fresh and full: not renewed").isEqualTo(1);

    clock.set(UniqueIds.MAX_AGE_MS);
    oracleDown = true;
    ids.renewIfStale();
    assertThat(ids.next()).as("the old block goes on serving").isEqualTo(first + 1);

    oracleDown = false;
    ids.renewIfStale();
    assertThat(calls).isEqualTo(2);
    assertThat(ids.next()).as("the new block")
        .isEqualTo(first + UniqueIds.RENEWAL_TIMESTAMPS * Timestamps.ORACLE_STEP);
  }

  @Test void anEmptyBlockWithoutTheOracleFails() {
    oracleDown = true;
    assertThatThrownBy(ids::next).hasMessageContaining("no coordinator leader");
  }
}
