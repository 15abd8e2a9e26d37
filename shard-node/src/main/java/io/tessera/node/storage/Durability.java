package io.tessera.node.storage;

/** When a write is acknowledged relative to the disk. */
public enum Durability {
    /** {@code commit()} and {@code sync()} (fsync) before the write is acknowledged. */
    SYNC,
    /** {@code commit()} before the acknowledgement; the file is synced in the background. */
    MEMORY
}
