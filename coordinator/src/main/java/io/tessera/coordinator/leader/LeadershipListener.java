package io.tessera.coordinator.leader;

/**
 * Told about the terms of this coordinator. Called on the leadership thread, never on Curator's
 * event thread, so implementations may do ZooKeeper I/O.
 */
public interface LeadershipListener {
    /**
     * A term begins. It becomes visible through {@link Leadership#fence()} only after this returns,
     * so this is where duties recover their state (e.g. the timestamp oracle reads its limit).
     * Throwing aborts the term; the election is retried while the latch is held.
     */
    void elected(Fence fence) throws Exception;

    /** The term ended (latch lost, connection suspended or lost, or closing). */
    void deposed(Fence fence);
}
