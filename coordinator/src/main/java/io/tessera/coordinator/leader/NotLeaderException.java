package io.tessera.coordinator.leader;

/**
 * This coordinator does not lead (any more): it never did, it lost the latch, or a newer leader
 * bumped the coordinator epoch so its fenced writes are refused.
 */
public class NotLeaderException extends Exception {
    public NotLeaderException(String message) {
        super(message);
    }
}
