package io.tessera.coordinator.failover;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which sync-set member becomes primary when the primary is gone: the one whose log ends with the
 * highest {@code (last_epoch, last_lsn)}. Every member of the sync set holds every acknowledged
 * write, so any of them is safe; the most advanced one loses nothing that might have been
 * acknowledged and makes the others' catch-up shortest.
 */
public final class Promotion {
    private Promotion() {}

    /**
     * What a sync-set member reported. A node that does not implement {@code ReplicaStatus} yet
     * reports {@code (0, 0)}: its position is unknown but it is still a valid candidate.
     */
    public record Candidate(String nodeId, long lastEpoch, long lastLsn) {
        static final Comparator<Candidate> BY_POSITION =
                Comparator.comparingLong(Candidate::lastEpoch).thenComparingLong(Candidate::lastLsn);

        @Override
        public String toString() {
            return nodeId + "(epoch " + lastEpoch + ", lsn " + lastLsn + ")";
        }
    }

    /** The most advanced candidate; among equals, the first in {@code candidates} (pass them in replicas order). */
    public static Optional<Candidate> choose(List<Candidate> candidates) {
        Candidate best = null;
        for (Candidate c : candidates) {
            if (best == null || Candidate.BY_POSITION.compare(c, best) > 0) {
                best = c;
            }
        }
        return Optional.ofNullable(best);
    }
}
