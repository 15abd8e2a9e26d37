package io.tessera.node.storage;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The timestamps of the reads in progress on a replica, so that version collection never removes a
 * version a read that was admitted before the safe point rose may still ask for.
 */
final class ActiveReads {
    private final ConcurrentSkipListMap<Long, Integer> countByTs = new ConcurrentSkipListMap<>();

    /** Notes a read at {@code ts}; the returned action ends it (idempotent). */
    Runnable begin(long ts) {
        countByTs.merge(ts, 1, Integer::sum);
        AtomicBoolean ended = new AtomicBoolean();
        return () -> {
            if (ended.compareAndSet(false, true)) {
                countByTs.computeIfPresent(ts, (k, n) -> n > 1 ? n - 1 : null);
            }
        };
    }

    /** The timestamp of the oldest read in progress, or {@link Long#MAX_VALUE} when there is none. */
    long oldest() {
        Map.Entry<Long, Integer> e = countByTs.firstEntry();
        return e == null ? Long.MAX_VALUE : e.getKey();
    }
}
