package io.tessera.node.storage;

/**
 * Gives a primary a new slot for the commit timestamps it chooses itself: raises its max_read_ts
 * ({@link Replica#raiseMaxReadTs}) to a fresh oracle timestamp, which is above every value in use
 * (docs/transactions.md "One-phase writes"). The replication layer implements it over the
 * coordinator; storage only says when.
 */
public interface SlotRefill {
    /** The slot is more than half used: start fetching a fresh oracle timestamp, without waiting for it. */
    void refillSoon();

    /**
     * The slot is used up: fetch a fresh oracle timestamp and wait for it. Called without the
     * replica's write lock. Throws a {@code ShardException} (NOT_SERVING) when the oracle cannot be reached.
     */
    void refillNow();
}
