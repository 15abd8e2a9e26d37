package io.tessera.node.storage;

import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.RandomAccessStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compaction round over a replica's MVStore file (docs/transactions.md, "Garbage collection").
 *
 * <p>Why it is needed: every commit writes a new chunk, and a chunk's space is only freed once none
 * of its pages is live any more. Chunks that keep a few live pages (cold rows, the log's tail) stay
 * forever unless their live pages are rewritten; MVStore does that in its background writer thread,
 * which replicas do not run ({@code autoCommitDisabled}, so that only {@link GroupCommit} commits).
 * So this round does what that thread would, in bounded steps:
 * <ol>
 *   <li><b>rewrite</b>: while the live share of the chunks is below {@link Policy#rewriteBelowPercent},
 *       {@code MVStore.compact} rewrites the live pages of the emptiest old chunks (at most
 *       {@link Policy#stepBytes} a step, twice the live data a round) and the step commits them, so
 *       those chunks die;
 *   <li><b>move</b>: while the file has more than {@code 100 - }{@link Policy#moveBelowPercent}% free
 *       space between chunks, {@code compactMoveChunks} moves chunks from the end into the holes and
 *       truncates the file.
 * </ol>
 * Each step holds the replica's write lock ({@link Replica#compactUnderWriteLock}): a step commits
 * (and a move stores a chunk itself), which must never capture half of a write batch; writers wait
 * for one step at most. Dead chunks are freed by MVStore as usual: once the retention time since they
 * were written has passed and no registered version (a snapshot being streamed, a read in progress)
 * nor one of the last few versions uses them, so readers keep the guarantees of ordinary writes.
 */
final class FileCompaction {
    private static final Logger log = LoggerFactory.getLogger(FileCompaction.class);
    /** The most a move step copies while it holds the write lock. */
    private static final long MAX_MOVE_BYTES = 16 << 20;

    /**
     * When and how much to compact.
     *
     * @param minFileBytes files smaller than this are left alone
     * @param rewriteBelowPercent rewrite while live pages fill less than this share of the chunks
     * @param moveBelowPercent move chunks while they fill less than this share of the file
     * @param stepBytes live bytes rewritten per step (one write-lock hold); the least a move step may copy
     * @param maxSteps steps per phase and round
     * @param pauseMillis pause between steps, so that waiting writers get the lock
     */
    record Policy(long minFileBytes, int rewriteBelowPercent, int moveBelowPercent, int stepBytes, int maxSteps,
            long pauseMillis) {
        /** Half the chunk space dead, or a third of the file free, is worth a round; about 128 MB of work at most. */
        static final Policy DEFAULT = new Policy(4 << 20, 50, 67, 2 << 20, 64, 5);
    }

    /** What a round did; {@code complete} = false when it gave up (closed, snapshot installed or streamed, node closing). */
    record Outcome(long sizeBefore, long sizeAfter, int chunksFillBefore, int chunksFillAfter, int rewriteSteps,
            int moveSteps, boolean complete) {}

    /** The store's shape, read under the write lock. */
    private record Shape(long size, int fileFill, int chunksFill) {
        long liveBytes() {
            return size * fileFill / 100 * chunksFill / 100;
        }
    }

    private final Replica replica;
    private final Policy policy;

    FileCompaction(Replica replica, Policy policy) {
        this.replica = replica;
        this.policy = policy;
    }

    Outcome run() {
        long started = System.nanoTime();
        Shape before = replica.compactUnderWriteLock(FileCompaction::shape);
        if (before == null) {
            return new Outcome(0, 0, 0, 0, 0, 0, false); // in memory, closed, or busy with a snapshot
        }
        if (before.size < policy.minFileBytes) {
            return new Outcome(before.size, before.size, before.chunksFill, before.chunksFill, 0, 0, true);
        }
        // Rewriting more than twice the live data in a round only rewrites what was rewritten already:
        // the chunks a step empties stay counted until MVStore frees them a few commits later, so the
        // fill rate lags behind and cannot be the only stop.
        long budget = Math.max(policy.stepBytes, 2 * before.liveBytes());
        int maxRewrites = (int) Math.min(policy.maxSteps, (budget + policy.stepBytes - 1) / policy.stepBytes);
        int rewrites = 0;
        Boolean rewritten = true;
        while (rewritten != null && rewritten && rewrites < maxRewrites && (rewrites == 0 || pause())) {
            rewritten = replica.compactUnderWriteLock(this::rewriteStep);
            rewrites += rewritten != null && rewritten ? 1 : 0;
        }
        int moves = 0;
        Boolean more = rewritten == null ? null : true;
        if (more != null) {
            while (more != null && more && moves < policy.maxSteps && pause()) {
                more = replica.compactUnderWriteLock(this::moveStep);
                moves += more != null && more ? 1 : 0;
            }
        }
        Shape after = replica.compactUnderWriteLock(FileCompaction::shape);
        boolean complete = more != null && after != null && !Thread.currentThread().isInterrupted();
        Shape last = after != null ? after : before;
        Outcome o = new Outcome(before.size, last.size, before.chunksFill, last.chunksFill, rewrites, moves, complete);
        logRound(o, before, last, (System.nanoTime() - started) / 1_000_000);
        return o;
    }

    private static Shape shape(MVStore store) {
        FileStore<?> fs = store.getFileStore();
        return fs == null ? null : new Shape(fs.size(), store.getFillRate(), fs.getChunksFillRate());
    }

    /** Under the write lock: rewrites one step of live pages and commits them; false when nothing (more) is worth it. */
    private Boolean rewriteStep(MVStore store) {
        FileStore<?> fs = store.getFileStore();
        if (fs == null || fs.getChunksFillRate() >= policy.rewriteBelowPercent
                || !store.compact(policy.rewriteBelowPercent, policy.stepBytes)) {
            return false;
        }
        store.commit();
        return true;
    }

    /** Under the write lock: moves one step of chunks towards the start and truncates; false when the file is dense enough. */
    private Boolean moveStep(MVStore store) {
        if (!(store.getFileStore() instanceof RandomAccessStore fs) || !fs.isSpaceReused()) {
            return false;
        }
        long size = fs.size();
        int fill = store.getFillRate();
        if (fill >= policy.moveBelowPercent) {
            return false;
        }
        // MVStore moves whole chunks only, never one larger than the step: let a step move up to all
        // the chunks there are (a GC pass commits its changes as one big chunk), within a bound
        long bytes = Math.min(MAX_MOVE_BYTES, Math.max(policy.stepBytes, size * fill / 100));
        fs.compactMoveChunks(policy.moveBelowPercent, bytes, store);
        return fs.size() < size; // a step that freed nothing (chunks still in use) ends the phase
    }

    /** False when interrupted (the node is closing). */
    private boolean pause() {
        try {
            Thread.sleep(policy.pauseMillis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void logRound(Outcome o, Shape before, Shape after, long millis) {
        long saved = o.sizeBefore - o.sizeAfter;
        // worth a line at INFO when the file lost a tenth of its size and at least a megabyte
        boolean notable = saved >= (1 << 20) && saved * 10 >= o.sizeBefore;
        (notable ? log.atInfo() : log.atDebug()).log("shard {} epoch {} file {}: compaction {} -> {} bytes (chunks {}% -> {}%"
                + " live, file {}% -> {}% used) in {} rewrite and {} move steps, {} ms{}", replica.shardId(),
                replica.state().getEpoch(), replica.file(), o.sizeBefore, o.sizeAfter, before.chunksFill, after.chunksFill,
                before.fileFill, after.fileFill, o.rewriteSteps, o.moveSteps, millis,
                o.complete ? "" : "; gave up (replica closed, installing or streaming a snapshot, or node closing)");
    }
}
