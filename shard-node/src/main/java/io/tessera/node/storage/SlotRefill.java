package io.tessera.node.storage;

/**
 * Gives a primary new slots for the commit timestamps it chooses itself: fresh oracle timestamps,
 * above every value in use ({@link Replica#adoptTimestamps}; docs/transactions.md "One-phase
 * writes"). The replication layer implements it over the coordinator; storage only says when.
 */
public interface SlotRefill {
    /** Half the room is used: start fetching fresh oracle timestamps, without waiting for it. */
    void refillSoon();

    /**
     * The room is used up: fetch fresh oracle timestamps and wait for them. Called without the
     * replica's write lock. Throws a {@code ShardException} (NOT_SERVING) when the oracle cannot be reached.
     */
    void refillNow();
}
