package io.tessera.coordinator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.coordinator.failover.Promotion.Candidate;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromotionTest {
    @Test
    void theHighestEpochWinsThenTheHighestLsn() {
        Candidate b = new Candidate("b", 3, 900);
        Candidate c = new Candidate("c", 4, 10);
        Candidate d = new Candidate("d", 4, 12);
        assertThat(Promotion.choose(List.of(b, c, d))).contains(d);
        assertThat(Promotion.choose(List.of(b, c))).contains(c);
    }

    @Test
    void amongEqualsTheFirstInReplicasOrderWins() {
        Candidate b = new Candidate("b", 0, 0);
        Candidate c = new Candidate("c", 0, 0);
        assertThat(Promotion.choose(List.of(c, b))).contains(c);
    }

    @Test
    void noCandidateNoPromotion() {
        assertThat(Promotion.choose(List.of())).isEmpty();
    }
}
