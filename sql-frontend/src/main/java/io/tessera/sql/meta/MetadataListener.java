package io.tessera.sql.meta;

/**
 * Told after the metadata changed. Called on the metadata thread, one call at a time and in
 * order, never on ZooKeeper's event thread; a slow listener delays the others, not the cache.
 */
@FunctionalInterface
public interface MetadataListener {
    void changed(MetadataSnapshot snapshot);
}
