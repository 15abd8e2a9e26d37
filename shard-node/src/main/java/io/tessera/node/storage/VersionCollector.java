package io.tessera.node.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One garbage-collection pass over a replica (docs/transactions.md, "Garbage collection"), in
 * chunks of at most {@link #CHUNK} keys, each under the replica's write lock, so writers wait for
 * one chunk at most, never for the pass:
 * <ol>
 *   <li><b>versions</b>: per key, the newest version at or below the horizon stays (unless it is a
 *       deletion) and so does every newer one; older ones go. A read at or above the horizon
 *       finds the same version as before. Keys with a lock are left alone;
 *   <li><b>index entries</b> that no remaining version (nor a lock) of their row has the values of;
 *       readers check entries against the row they read, so such entries only cost scan time;
 *   <li><b>transaction records</b> of transactions that started below the record horizon.
 * </ol>
 * The horizon of a chunk is the safe point, lowered to below every read in progress and to the
 * replica's {@link Replica#settledTs() settled timestamp}. The pass is local to the replica (no log
 * entry): every replica refuses reads below the safe point, which only rises, so replicas that
 * collected different amounts still answer every read they accept alike.
 */
final class VersionCollector {
    private static final Logger log = LoggerFactory.getLogger(VersionCollector.class);
    static final int CHUNK = 1_000;

    private final Replica replica;
    private final long pauseMillis;
    private long versions;
    private long indexEntries;
    private long records;

    /** What a pass removed; {@code complete} = false when it gave up (replica closed, installing a snapshot, node closing). */
    record Outcome(long versions, long indexEntries, long records, boolean complete) {}

    /** @param pauseMillis pause between two chunks, so that waiting writers get the lock */
    VersionCollector(Replica replica, long pauseMillis) {
        this.replica = replica;
        this.pauseMillis = pauseMillis;
    }

    Outcome run() {
        long started = System.nanoTime();
        boolean complete = pass(new VersionChunks()) && pass(new IndexChunks()) && pass(new RecordChunks());
        replica.commitCollected();
        Outcome o = new Outcome(versions, indexEntries, records, complete);
        GcHorizon gc = replica.gcHorizon();
        boolean removed = versions + indexEntries + records > 0;
        // a pass that found nothing (most of them, on a quiet shard) is not worth a line at INFO
        (removed || !complete ? log.atInfo() : log.atDebug()).log("shard {} epoch {}: GC pass below safe point {}"
                + " removed {} versions, {} index entries, {} transaction records (below {}) in {} ms{}",
                replica.shardId(), replica.state().getEpoch(), gc.safePoint(),
                versions, indexEntries, records, gc.txnRecordsBelow(), (System.nanoTime() - started) / 1_000_000,
                complete ? "" : "; gave up (replica closed, installing a snapshot, or node closing)");
        return o;
    }

    /** A walk over one map in chunks; {@link #chunk()} runs under the write lock and says whether more is left. */
    private interface Chunks {
        boolean chunk();
    }

    private boolean pass(Chunks chunks) {
        while (true) {
            Boolean more = replica.collectUnderWriteLock(chunks::chunk);
            if (more == null) {
                return false;
            }
            if (!more) {
                return true;
            }
            if (!pause()) {
                return false;
            }
        }
    }

    /** False when interrupted (the node is closing). */
    private boolean pause() {
        try {
            Thread.sleep(pauseMillis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Under the write lock: the timestamp reads at or above which must find every version they found before. */
    private long horizon() {
        return Math.min(replica.gcHorizon().safePoint(),
                Math.min(replica.settledTs(), replica.gcHorizon().oldestActiveRead()));
    }

    /** The smallest key above {@code key}: where the next chunk starts. */
    private static byte[] after(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /**
     * A walk over one map in chunks: each chunk reads up to {@link #CHUNK} keys from where the last
     * one stopped, removes those {@link #doomed} picks, and says whether keys are left.
     */
    private abstract static class MapSweep implements Chunks {
        private byte[] from;

        /** The map to walk, or null when there is nothing to do. */
        abstract MVMap<byte[], byte[]> map();

        /** Called once per chunk, before its first key. */
        void startChunk() {}

        /** Whether the key under {@code c} goes; {@code first} = the chunk's first key. */
        abstract boolean doomed(byte[] key, Cursor<byte[], byte[]> c, boolean first);

        /** Counts what a chunk removed. */
        abstract void removed(int n);

        @Override
        public boolean chunk() {
            MVMap<byte[], byte[]> map = map();
            if (map == null) {
                return false;
            }
            startChunk();
            Cursor<byte[], byte[]> c = map.cursor(from);
            List<byte[]> doomed = new ArrayList<>();
            int n = 0;
            byte[] key = null;
            while (n < CHUNK && c.hasNext()) {
                key = c.next();
                if (doomed(key, c, n++ == 0)) {
                    doomed.add(key);
                }
            }
            for (byte[] k : doomed) {
                map.remove(k);
            }
            removed(doomed.size());
            if (key == null) {
                return false;
            }
            from = after(key);
            return c.hasNext();
        }
    }

    /** Versions, newest first per key: the walk remembers the key it is in across chunks. */
    private final class VersionChunks extends MapSweep {
        private long h;
        private byte[] pk;           // the key of the last version seen
        private boolean locked;      // pk has a lock: leave its versions alone
        private boolean kept;        // pk's newest version at or below the horizon was seen (and kept)

        @Override
        MVMap<byte[], byte[]> map() {
            return replica.rowsMap();
        }

        @Override
        void startChunk() {
            h = horizon();
        }

        @Override
        boolean doomed(byte[] key, Cursor<byte[], byte[]> c, boolean first) {
            if (pk == null || !VersionedKeys.isVersionOf(key, pk)) {
                pk = VersionedKeys.pkOf(key);
                kept = false;
                locked = replica.locks.get(pk) != null;
            } else if (first) {
                locked = replica.locks.get(pk) != null; // a lock may have come between two chunks
            }
            if (locked || VersionedKeys.tsOf(key) > h) {
                return false;
            }
            if (!kept) {
                kept = true; // what a read at the horizon sees: stays, unless it says "deleted"
                return c.getValue()[0] == VersionedKeys.TOMBSTONE;
            }
            return true;
        }

        @Override
        void removed(int n) {
            versions += n;
        }
    }

    /** Index entries: each is checked against the versions of its row that stay. */
    private final class IndexChunks extends MapSweep {
        private long h;
        private TableLayout l;

        @Override
        MVMap<byte[], byte[]> map() {
            return replica.indexMap();
        }

        @Override
        void startChunk() {
            h = horizon();
            l = replica.layout();
        }

        @Override
        boolean doomed(byte[] key, Cursor<byte[], byte[]> c, boolean first) {
            TableLayout.Index idx = l.index(ByteBuffer.wrap(key, 0, 4).getInt());
            if (idx == null) {
                return false; // an index being dropped: the schema change removes its entries
            }
            int tupleLen = VersionedKeys.indexTupleLength(key, idx.types());
            byte[] pk = Arrays.copyOfRange(key, 4 + tupleLen, key.length);
            return replica.locks.get(pk) == null && !leadsToVersion(l, idx, key, tupleLen, pk, h);
        }

        @Override
        void removed(int n) {
            indexEntries += n;
        }

        /** Whether a live version of {@code pk} that stays (above the horizon, or the newest at or below it) has the entry's values. */
        private boolean leadsToVersion(TableLayout l, TableLayout.Index idx, byte[] entry, int tupleLen, byte[] pk, long h) {
            Cursor<byte[], byte[]> v = replica.rowsMap().cursor(VersionedKeys.rowKey(pk, Long.MAX_VALUE));
            while (v.hasNext()) {
                byte[] key = v.next();
                if (!VersionedKeys.isVersionOf(key, pk)) {
                    return false;
                }
                byte[] value = v.getValue();
                if (value[0] == VersionedKeys.LIVE) {
                    byte[] tuple = TableLayout.indexTuple(idx, l.rowCodec().decode(Arrays.copyOfRange(value, 1, value.length)));
                    if (Arrays.equals(tuple, 0, tuple.length, entry, 4, 4 + tupleLen)) {
                        return true;
                    }
                }
                if (VersionedKeys.tsOf(key) <= h) {
                    return false; // older versions are collected
                }
            }
            return false;
        }
    }

    /** Transaction records: key = primary pk || 8-byte start_ts. */
    private final class RecordChunks extends MapSweep {
        private long below;

        @Override
        MVMap<byte[], byte[]> map() {
            below = replica.gcHorizon().txnRecordsBelow();
            return below <= 0 ? null : replica.txnRecords.map();
        }

        @Override
        boolean doomed(byte[] key, Cursor<byte[], byte[]> c, boolean first) {
            long startTs = ByteBuffer.wrap(key, key.length - 8, 8).getLong();
            // a transaction still holding a lock here keeps its record (the coordinator should have resolved it)
            return startTs < below && !replica.locks.holds(startTs);
        }

        @Override
        void removed(int n) {
            records += n;
        }
    }
}
