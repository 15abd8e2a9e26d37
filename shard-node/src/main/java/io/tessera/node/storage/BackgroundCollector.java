package io.tessera.node.storage;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link VersionCollector} passes of a node's replicas on one background thread, one replica
 * at a time: a replica whose safe point rose is queued once, however often it is asked for. Each pass
 * is followed by a {@link FileCompaction} round, so the file gives back the space the pass (and the
 * writes since the last round) left dead; both stay off the write path.
 */
final class BackgroundCollector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundCollector.class);
    /** Pause between two chunks of a pass, so that writers waiting for the replica's write lock get it. */
    private static final long CHUNK_PAUSE_MILLIS = 1;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tessera-gc");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY); // background housekeeping: writers and reads come first
        return t;
    });
    private final Set<Replica> queued = ConcurrentHashMap.newKeySet();
    private final FileCompaction.Policy compaction;

    BackgroundCollector() {
        this(FileCompaction.Policy.DEFAULT);
    }

    BackgroundCollector(FileCompaction.Policy compaction) {
        this.compaction = compaction;
    }

    /** Queues a pass over {@code replica} unless one is queued and not yet started. */
    void schedule(Replica replica) {
        if (!queued.add(replica)) {
            return;
        }
        try {
            thread.execute(() -> {
                queued.remove(replica); // a raise from now on queues another pass
                try {
                    new VersionCollector(replica, CHUNK_PAUSE_MILLIS).run();
                } catch (RuntimeException e) {
                    log.warn("shard {}: GC pass failed (the next safe point retries it)", replica.shardId(), e);
                }
                try {
                    new FileCompaction(replica, compaction).run();
                } catch (RuntimeException e) {
                    log.warn("shard {} file {}: compaction failed (the next GC pass retries it)", replica.shardId(),
                            replica.file(), e);
                }
            });
        } catch (RejectedExecutionException closed) {
            queued.remove(replica);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
