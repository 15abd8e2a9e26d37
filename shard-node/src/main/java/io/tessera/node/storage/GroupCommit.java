package io.tessera.node.storage;

import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.MVStore;

/**
 * Group commit for one store. A writer applies its changes under the replica's write lock and takes a
 * ticket ({@link #applied()}, under that lock); then {@link #awaitDurable(long)} returns once a
 * {@code commit()} (+ {@code sync()} in {@link Durability#SYNC}) covering the ticket has finished. One
 * waiting writer becomes the committer for everything applied so far; the others wait for it.
 *
 * <p>{@code commit()} runs under the write lock so that a commit never captures half of a batch;
 * {@code sync()}, the slow part, runs outside it so writers keep applying meanwhile.
 */
final class GroupCommit {
    private final MVStore store;
    private final ReentrantLock writeLock;
    private final Durability durability;

    private final Object monitor = new Object();
    private long appliedSeq;   // guarded by writeLock
    private long durableSeq;   // guarded by monitor
    private boolean committing; // guarded by monitor
    private RuntimeException failure; // guarded by monitor; sticky

    GroupCommit(MVStore store, ReentrantLock writeLock, Durability durability) {
        this.store = store;
        this.writeLock = writeLock;
        this.durability = durability;
    }

    /** Called under the write lock after a batch was applied; returns its ticket. */
    long applied() {
        assert writeLock.isHeldByCurrentThread();
        return ++appliedSeq;
    }

    /** Blocks until the changes of {@code ticket} are committed (and synced when durability asks). */
    void awaitDurable(long ticket) {
        synchronized (monitor) {
            while (true) {
                if (failure != null) {
                    throw new IllegalStateException("store commit failed", failure);
                }
                if (durableSeq >= ticket) {
                    return;
                }
                if (!committing) {
                    committing = true;
                    break;
                }
                try {
                    monitor.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for commit", e);
                }
            }
        }
        long upTo;
        RuntimeException error = null;
        try {
            writeLock.lock();
            try {
                upTo = appliedSeq;
                store.commit();
            } finally {
                writeLock.unlock();
            }
            if (durability == Durability.SYNC && store.isPersistent()) {
                store.sync();
            }
        } catch (RuntimeException e) {
            error = e;
            upTo = -1;
        }
        synchronized (monitor) {
            committing = false;
            if (error != null) {
                failure = error;
            } else {
                durableSeq = Math.max(durableSeq, upTo);
            }
            monitor.notifyAll();
        }
        if (error != null) {
            throw error;
        }
    }

    /** Commits and syncs everything applied so far (administration, close). */
    void flush() {
        long ticket;
        writeLock.lock();
        try {
            ticket = applied();
        } finally {
            writeLock.unlock();
        }
        awaitDurable(ticket);
        if (store.isPersistent() && durability != Durability.SYNC) {
            store.sync();
        }
    }
}
