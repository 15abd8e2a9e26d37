package io.tessera.sql.exec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A timestamp is in a known issued range only from a point of that range at or below it up to its end. */
class IssuedRangesTest {
  private final IssuedRanges ranges = new IssuedRanges();

  @Test void aTimestampFindsTheRangeOfTheClosestPointBelowIt() {
    ranges.learn(100, 200);
    ranges.learn(300, 400);
    assertThat(ranges.endOf(99)).as("below every point").isZero();
    assertThat(ranges.endOf(100)).isEqualTo(200);
    assertThat(ranges.endOf(199)).isEqualTo(200);
    assertThat(ranges.endOf(200)).as("between ranges").isZero();
    assertThat(ranges.endOf(350)).isEqualTo(400);
    assertThat(ranges.endOf(400)).isZero();
  }

  @Test void unknownEndsAndEmptyRangesAreIgnoredAndTheOldestPointsGo() {
    ranges.learn(500, 0);
    ranges.learn(600, 600);
    assertThat(ranges.endOf(500)).isZero();
    assertThat(ranges.endOf(600)).isZero();
    for (int i = 0; i < 300; i++) {
      ranges.learn(1_000 + 10L * i, 1_000 + 10L * i + 5);
    }
    assertThat(ranges.endOf(1_000)).as("evicted").isZero();
    assertThat(ranges.endOf(1_000 + 10L * 299 + 1)).isEqualTo(1_000 + 10L * 299 + 5);
  }
}
