package io.tessera.cli.chaos.bank;

/**
 * What a {@link TransferClient} reports about each transfer attempt, in order: {@link #begun}, then
 * (only when it wrote) {@link #committing} just before {@code commit()} is called, then either
 * {@link #finished} or {@link #skipped}. A client process writes these to its history file, so that
 * after a {@code kill -9} the parent knows which transfer was in flight and how far it got.
 */
public interface TransferListener {
    /** Transfer {@code id} is about to send its first statement. */
    default void begun(long id, int from, int to, long amount) {}

    /** Transfer {@code id} wrote everything and is about to call {@code commit()}. */
    default void committing(long id) {}

    /** What the client was told about the transfer's transaction. */
    void finished(Transfer transfer);

    /** The source had too little money: nothing was written, the read-only transaction ended. */
    default void skipped(long id) {}

    /** A transfer failed with 40001 {@code attempts} times in a row; the client moves on to another. */
    default void gaveUp(int attempts) {}
}
