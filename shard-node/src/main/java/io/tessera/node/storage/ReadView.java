package io.tessera.node.storage;

import com.google.common.collect.AbstractIterator;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.TxnRead;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.h2.mvstore.Cursor;

/**
 * One read at a resolved timestamp, as locks make it look (docs/transactions.md, Reads): a lock of
 * another transaction that may commit at or below {@code readTs} ({@code min_commit_ts <= readTs};
 * its {@code start_ts} is only its identity) on a key the read covers fails the read with
 * LOCKED before any row is produced, unless the reader may read past it ({@code bypass_locks}); the
 * reader's own locks, as they were when the read began, read as their new rows (PUT), as absent
 * (DELETE) or as the committed row (LOCK); a reader whose transaction was rolled back on this replica
 * fails with TXN_ABORTED instead of reading on without its own writes.
 * With no locks on the replica, every method is the plain MVCC read.
 */
public final class ReadView {
    private final Replica replica;
    private final long readTs;
    private final long ownTs;
    private final List<Long> bypass;
    private final boolean anyLocks;
    /** The reader's own locks as the read began, by key (in key order): the statement's snapshot of them. */
    private final TreeMap<byte[], Lock> own;

    ReadView(Replica replica, long readTs, TxnRead txn) {
        this.replica = replica;
        this.readTs = readTs;
        this.anyLocks = !replica.locks.isEmpty();
        this.ownTs = txn == null ? 0 : txn.getStartTs();
        this.bypass = txn == null ? List.of() : txn.getBypassLocksList();
        this.own = anyLocks && replica.locks.holds(ownTs) ? ownLocks(replica, ownTs) : null;
        if (ownTs != 0) {
            // After taking the own locks: a rollback records the abort before it removes them, so a
            // lock missing above because another client rolled the transaction back is caught here.
            replica.transactions().checkNotRolledBackHere(ownTs);
        }
    }

    private static TreeMap<byte[], Lock> ownLocks(Replica replica, long ownTs) {
        TreeMap<byte[], Lock> own = new TreeMap<>(Arrays::compareUnsigned);
        for (byte[] pk : replica.locks.keysOf(ownTs)) {
            Lock lock = replica.locks.get(pk);
            if (lock != null && lock.getStartTs() == ownTs) {
                own.put(pk, lock);
            }
        }
        return own;
    }

    public long readTs() {
        return readTs;
    }

    private boolean blocks(Lock lock) {
        long ts = lock.getStartTs();
        return ts != ownTs && lock.getMinCommitTs() <= readTs && !bypass.contains(ts);
    }

    /** LOCKED when a blocking lock holds one of the keys. */
    public void checkKeys(List<byte[]> pks) {
        if (anyLocks) {
            TableLayout l = replica.layout();
            for (byte[] pk : pks) {
                Lock lock = replica.locks.get(pk);
                if (lock != null && blocks(lock)) {
                    throw Replica.locked(l, pk, lock);
                }
            }
        }
        settle();
    }

    /**
     * After the lock check, before reading rows: a commit that removed a lock this reader did not see
     * registered its versions as pending before it did, so waiting for pending entries again keeps the
     * reader from seeing a commit that a failover could still lose. (A volatile read when nothing is pending.)
     */
    private void settle() {
        replica.awaitNoPendingAtOrBelow(readTs);
    }

    private Lock ownLock(byte[] pk) {
        return own == null ? null : own.get(pk);
    }

    /** The RowCodec bytes of the row {@code pk} as this reader sees it, or null. Call {@link #checkKeys} first. */
    public byte[] rowBytes(byte[] pk) {
        Lock own = ownLock(pk);
        if (own != null && own.getKind() != Lock.Kind.LOCK) {
            return own.getKind() == Lock.Kind.PUT ? own.getRow().toByteArray() : null;
        }
        return replica.readRowBytes(pk, readTs);
    }

    /** The row {@code pk} as this reader sees it, decoded, or null. Call {@link #checkKeys} first. */
    public Object[] row(byte[] pk) {
        Lock own = ownLock(pk);
        if (own != null && own.getKind() != Lock.Kind.LOCK) {
            return own.getKind() == Lock.Kind.PUT ? replica.layout().rowCodec().decode(own.getRow().toByteArray()) : null;
        }
        return replica.readRow(pk, readTs);
    }

    /** Rows in primary-key order within {@code range}; LOCKED (before any row) when a blocking lock is in it. */
    public Iterator<Object[]> scan(KeyRange range) {
        byte[] from = range.start(VersionedKeys.EMPTY);
        if (anyLocks && from != null) {
            Cursor<byte[], byte[]> c = replica.locks.cursor(from);
            TableLayout l = replica.layout();
            while (c.hasNext()) {
                byte[] pk = c.next();
                if (range.beyondUpper(pk, VersionedKeys.EMPTY)) {
                    break;
                }
                Lock lock = LockTable.parse(c.getValue());
                if (blocks(lock)) {
                    throw Replica.locked(l, pk, lock);
                }
            }
        }
        settle();
        Iterator<Object[]> committed = replica.scan(readTs, range);
        if (own == null) {
            return committed;
        }
        TreeMap<byte[], Lock> inRange = new TreeMap<>(Arrays::compareUnsigned);
        for (Map.Entry<byte[], Lock> e : own.entrySet()) {
            if (range.contains(e.getKey())) {
                inRange.put(e.getKey(), e.getValue());
            }
        }
        return inRange.isEmpty() ? committed : new OwnLocksMerge(replica.layout(), committed, inRange);
    }

    /**
     * Rows in the order of index {@code indexId} within {@code range}; LOCKED (before any row) when a
     * blocking lock's new row, or the row it locks as visible at readTs, is in the range.
     */
    public Iterator<Object[]> scanIndex(int indexId, KeyRange range) {
        TableLayout l = replica.layout();
        TableLayout.Index idx = l.index(indexId);
        if (anyLocks && idx != null) {
            Cursor<byte[], byte[]> c = replica.locks.cursor(null);
            while (c.hasNext()) {
                byte[] pk = c.next();
                Lock lock = LockTable.parse(c.getValue());
                if (!blocks(lock)) {
                    continue;
                }
                if (lock.getKind() == Lock.Kind.PUT
                        && range.contains(TableLayout.indexTuple(idx, l.rowCodec().decode(lock.getRow().toByteArray())))) {
                    throw Replica.locked(l, pk, lock);
                }
                Object[] visible = replica.readRow(pk, readTs);
                if (visible != null && range.contains(TableLayout.indexTuple(idx, visible))) {
                    throw Replica.locked(l, pk, lock);
                }
            }
        }
        settle();
        if (own == null) {
            return replica.scanIndex(indexId, readTs, range);
        }
        // own PUT locks have index entries; each entry is checked against the row this reader sees
        return replica.scanIndex(indexId, range, this::row);
    }

    /** Merges the reader's own locks (sorted by pk) into the committed rows of a pk scan. */
    private static final class OwnLocksMerge extends AbstractIterator<Object[]> {
        private final TableLayout layout;
        private final Iterator<Object[]> committed;
        private final TreeMap<byte[], Lock> own;
        private Object[] next;
        private byte[] nextPk;

        OwnLocksMerge(TableLayout layout, Iterator<Object[]> committed, TreeMap<byte[], Lock> own) {
            this.layout = layout;
            this.committed = committed;
            this.own = own;
        }

        @Override
        protected Object[] computeNext() {
            while (true) {
                if (next == null && committed.hasNext()) {
                    next = committed.next();
                    nextPk = layout.pkOfRow(next);
                }
                Map.Entry<byte[], Lock> lock = own.firstEntry();
                int cmp = lock == null ? 1 : next == null ? -1 : Arrays.compareUnsigned(lock.getKey(), nextPk);
                if (cmp > 0) {
                    if (next == null) {
                        return endOfData();
                    }
                    return take();
                }
                own.pollFirstEntry();
                Lock l = lock.getValue();
                switch (l.getKind()) {
                    case PUT:
                        if (cmp == 0) {
                            take();
                        }
                        return layout.rowCodec().decode(l.getRow().toByteArray());
                    case DELETE:
                        if (cmp == 0) {
                            take();
                        }
                        break;
                    default: // LOCK: the committed row, if any
                        if (cmp == 0) {
                            return take();
                        }
                        break;
                }
            }
        }

        private Object[] take() {
            Object[] r = next;
            next = null;
            nextPk = null;
            return r;
        }
    }
}
