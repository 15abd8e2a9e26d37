package io.tessera.coordinator.tso;

import io.tessera.coordinator.leader.NotLeaderException;

/**
 * The oracle still holds its term but may not hand out timestamps now: its lease ran out, or its
 * limit is used up, while ZooKeeper is unreachable. Unlike a fenced term, this says nothing about
 * leadership: it resumes once ZooKeeper confirms the session, so callers retry.
 */
public final class OracleSuspendedException extends NotLeaderException {
    public OracleSuspendedException(String message) {
        super(message);
    }
}
