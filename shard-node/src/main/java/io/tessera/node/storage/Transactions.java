package io.tessera.node.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tessera.node.ShardException;
import io.tessera.protocol.codec.ByteWriter;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.LockChange;
import io.tessera.protocol.proto.LogEntry;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.PrewriteRequest;
import io.tessera.protocol.proto.RowChange;
import io.tessera.protocol.proto.TxnRecord;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.Cursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Percolator over the replica's MVCC versions (docs/transactions.md): prewrite places locks holding
 * write intents, commit turns a transaction's locks into versions at its commit_ts, rollback removes
 * them, and the transaction record of a primary key decides the transaction's fate. Each operation is
 * validated on the primary under the replica's write lock and becomes one log entry (locks with their
 * previous state, versions, records), applied and replicated like a write.
 */
public final class Transactions {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);
    static final long DEFAULT_TTL_MILLIS = 3_000;

    private final Replica replica;

    Transactions(Replica replica) {
        this.replica = replica;
    }

    private long shardId() {
        return replica.shardId();
    }

    private long epoch() {
        return replica.state().getEpoch();
    }

    private static byte[] bytesOrNull(ByteString b) {
        return b == null || b.isEmpty() ? null : b.toByteArray();
    }

    private static ByteString wrap(byte[] b) {
        return UnsafeByteOperations.unsafeWrap(b);
    }

    private static LockChange.Builder change(byte[] pk, Lock lock, Lock previous) {
        LockChange.Builder c = LockChange.newBuilder().setPk(wrap(pk));
        if (lock != null) {
            c.setLock(lock);
        }
        if (previous != null) {
            c.setPrevious(previous);
        }
        return c;
    }

    private static TxnRecord record(byte[] primaryPk, long startTs, long commitTs) {
        return TxnRecord.newBuilder().setPrimaryPk(wrap(primaryPk)).setStartTs(startTs).setCommitTs(commitTs).build();
    }

    // ------------------------------------------------------------------------------------ prewrite

    /** Places the transaction's locks on the mutations' keys; returns how many mutations change a row. */
    public long prewrite(PrewriteRequest req) {
        if (req.getStartTs() <= 0 || !req.hasPrimary() || req.getPrimary().getPk().isEmpty()) {
            throw ShardException.badRequest("22000", "Prewrite needs start_ts > 0 and the primary key");
        }
        return replica.submit(req.getClientId(), req.getSeq(), l -> resolvePrewrite(l, req));
    }

    private LogEntry.Builder resolvePrewrite(TableLayout l, PrewriteRequest req) {
        long startTs = req.getStartTs();
        // a transaction older than the GC window may have lost its snapshot and its locks (the
        // coordinator rolls such transactions back before it collects their records)
        replica.gcHorizon().checkTxnStart(startTs, "prewrite");
        long forUpdateTs = req.getForUpdateTs() > 0 ? req.getForUpdateTs() : startTs;
        checkNotRolledBackHere(startTs);
        if (req.getPrimary().getShardId() == shardId()) {
            Long decided = replica.txnRecords.get(req.getPrimary().getPk().toByteArray(), startTs);
            if (decided != null) {
                throw decided == 0 ? ShardException.txnAborted("transaction " + startTs + " was rolled back")
                        : ShardException.badRequest("25000", "transaction " + startTs + " is already committed at " + decided);
            }
        }
        long expires = System.currentTimeMillis() + (req.getTtlMs() > 0 ? req.getTtlMs() : DEFAULT_TTL_MILLIS);
        Map<ByteBuffer, Lock> placed = new LinkedHashMap<>(); // the new lock of each key, in request order
        Map<ByteBuffer, Object[]> newRows = new HashMap<>();
        Map<ByteBuffer, Lock> before = new HashMap<>();        // the transaction's lock before the request (or null)
        long applied = 0;
        for (Mutation m : req.getMutationsList()) {
            byte[] pk;
            Object[] row = null;
            if (m.getKind() == Mutation.Kind.DELETE || m.getKind() == Mutation.Kind.LOCK) {
                pk = l.pkOfKey(Replica.decode(l.pkCodec(), m.getRow().toByteArray(), "key"));
            } else {
                row = Replica.decode(l.rowCodec(), m.getRow().toByteArray(), "row");
                Replica.checkNotNull(l, row);
                pk = l.pkOfRow(row);
            }
            ByteBuffer k = ByteBuffer.wrap(pk);
            if (!before.containsKey(k)) {
                Lock existing = replica.locks.get(pk);
                if (existing != null && existing.getStartTs() != startTs) {
                    throw Replica.locked(l, pk, existing);
                }
                checkNoWriteConflict(l, pk, forUpdateTs);
                before.put(k, existing);
            }
            Lock own = placed.containsKey(k) ? placed.get(k) : before.get(k);
            boolean live = own == null || own.getKind() == Lock.Kind.LOCK ? replica.newestLiveRow(l, pk) != null
                    : own.getKind() == Lock.Kind.PUT;
            Lock.Kind kind = null;
            switch (m.getKind()) {
                case INSERT:
                    if (live) {
                        throw new ShardException(Error.Code.DUPLICATE_KEY, "23505", "duplicate key "
                                + Replica.describeKey(l, pk) + " violates the primary key of table " + l.tableName());
                    }
                    kind = Lock.Kind.PUT;
                    break;
                case UPSERT:
                    kind = Lock.Kind.PUT;
                    break;
                // A missing row is still locked: the key may be the transaction's primary, whose
                // lock must exist for the commit to succeed.
                case UPDATE:
                    kind = live ? Lock.Kind.PUT : own == null ? Lock.Kind.LOCK : null;
                    break;
                case DELETE:
                    kind = live ? Lock.Kind.DELETE : own == null ? Lock.Kind.LOCK : null;
                    break;
                case LOCK:
                    kind = own == null ? Lock.Kind.LOCK : null; // an own lock stays as it is
                    break;
                default:
                    throw ShardException.badRequest("22000", "unknown mutation kind " + m.getKind());
            }
            if (kind == null) {
                continue;
            }
            if (kind != Lock.Kind.LOCK) {
                applied++;
            }
            Lock prev = before.get(k);
            Lock.Builder lock = Lock.newBuilder().setStartTs(startTs).setPrimary(req.getPrimary()).setKind(kind)
                    .setExpiresAtMs(expires).setForUpdateTs(forUpdateTs).setTableId(l.schema().getTableId())
                    // the transaction commits above the snapshot it checked from (not above its identity)
                    .setMinCommitTs(Math.max(forUpdateTs + 1, prev == null ? 0 : prev.getMinCommitTs()));
            if (kind == Lock.Kind.PUT) {
                ByteWriter out = new ByteWriter(128);
                l.rowCodec().encode(out, row);
                lock.setRow(wrap(out.toByteArray()));
                newRows.put(k, row);
            } else {
                newRows.remove(k);
            }
            placed.put(k, lock.build());
        }
        checkUniqueIndexes(l, startTs, newRows, placed);
        log.debug("shard {} epoch {}: transaction {} locks {} keys ({} changed rows)", shardId(), epoch(), startTs,
                placed.size(), applied);
        LogEntry.Builder entry = LogEntry.newBuilder().setApplied(applied);
        for (Map.Entry<ByteBuffer, Lock> e : placed.entrySet()) {
            entry.addLocks(change(e.getKey().array(), e.getValue(), before.get(e.getKey())));
        }
        return entry;
    }

    /** WRITE_CONFLICT (40001) when a version of {@code pk} was committed above {@code forUpdateTs}. */
    private void checkNoWriteConflict(TableLayout l, byte[] pk, long forUpdateTs) {
        Cursor<byte[], byte[]> c = replica.rowsCursor(pk);
        if (!c.hasNext()) {
            return;
        }
        byte[] key = c.next();
        if (VersionedKeys.isVersionOf(key, pk) && VersionedKeys.tsOf(key) > forUpdateTs) {
            throw new ShardException(Error.Code.WRITE_CONFLICT, "40001", "write conflict on key " + Replica.describeKey(l, pk)
                    + " of table " + l.tableName() + ": a version committed at ts " + VersionedKeys.tsOf(key)
                    + " is newer than the transaction's snapshot " + forUpdateTs);
        }
    }

    /**
     * No two rows may share a non-null unique value: the new rows against each other, the newest
     * committed rows and the transaction's own locks; another transaction's lock that may commit such
     * a value (or keep it) is LOCKED.
     */
    private void checkUniqueIndexes(TableLayout l, long startTs, Map<ByteBuffer, Object[]> newRows, Map<ByteBuffer, Lock> placed) {
        for (TableLayout.Index idx : l.uniqueIndexes()) {
            Map<ByteBuffer, ByteBuffer> owners = new HashMap<>();
            for (Map.Entry<ByteBuffer, Object[]> e : newRows.entrySet()) {
                Object[] row = e.getValue();
                if (TableLayout.hasNull(idx, row)) {
                    continue;
                }
                byte[] tuple = TableLayout.indexTuple(idx, row);
                if (owners.putIfAbsent(ByteBuffer.wrap(tuple), e.getKey()) != null) {
                    throw Replica.uniqueViolation(l, idx, row);
                }
                byte[] prefix = VersionedKeys.indexPrefix(idx.id(), tuple);
                Cursor<byte[], byte[]> c = replica.indexCursor(prefix);
                while (c.hasNext()) {
                    byte[] key = c.next();
                    if (!VersionedKeys.startsWith(key, prefix)) {
                        break;
                    }
                    ByteBuffer other = ByteBuffer.wrap(key, prefix.length, key.length - prefix.length).slice();
                    if (other.equals(e.getKey()) || newRows.containsKey(other)) {
                        continue;
                    }
                    byte[] otherPk = Arrays.copyOfRange(key, prefix.length, key.length);
                    Lock lock = placed.containsKey(other) ? placed.get(other) : replica.locks.get(otherPk);
                    Object[] otherRow;
                    if (lock != null && lock.getStartTs() == startTs) {
                        otherRow = lock.getKind() == Lock.Kind.PUT ? l.rowCodec().decode(lock.getRow().toByteArray())
                                : lock.getKind() == Lock.Kind.DELETE ? null : replica.newestLiveRow(l, otherPk);
                    } else {
                        otherRow = replica.newestLiveRow(l, otherPk);
                        if (lock != null) {
                            boolean newMatches = lock.getKind() == Lock.Kind.PUT && Arrays.equals(tuple,
                                    TableLayout.indexTuple(idx, l.rowCodec().decode(lock.getRow().toByteArray())));
                            boolean oldMatches = otherRow != null && Arrays.equals(TableLayout.indexTuple(idx, otherRow), tuple);
                            if (newMatches || (oldMatches && lock.getKind() != Lock.Kind.LOCK)) {
                                throw Replica.locked(l, otherPk, lock);
                            }
                        }
                    }
                    if (otherRow != null && Arrays.equals(TableLayout.indexTuple(idx, otherRow), tuple)) {
                        throw Replica.uniqueViolation(l, idx, row);
                    }
                }
            }
        }
    }

    // -------------------------------------------------------------------------------------- commit

    /**
     * Commits every lock of {@code startTs} on this shard at {@code commitTs}. With {@code primaryPk}
     * (the commit point): TXN_ABORTED when the primary lock is gone and no commit is recorded,
     * COMMIT_TS_TOO_OLD below its min_commit_ts; records the commit. Returns the locks resolved.
     */
    public long commit(long startTs, long commitTs, ByteString primaryPk) {
        return commit(startTs, commitTs, primaryPk, 0);
    }

    /**
     * As {@link #commit(long, long, ByteString)}; {@code rangeEnd} (0 = unknown) is the end of the
     * range of issued timestamps {@code commitTs} lies in, which one-phase writes may fill afterwards.
     */
    public long commit(long startTs, long commitTs, ByteString primaryPk, long rangeEnd) {
        if (startTs <= 0 || commitTs <= 0) {
            throw ShardException.badRequest("22000", "CommitTxn needs start_ts > 0 and commit_ts > 0 (got " + startTs
                    + ", " + commitTs + ")");
        }
        byte[] primary = bytesOrNull(primaryPk);
        long resolved = replica.submit(null, 0, l -> resolveCommit(l, startTs, commitTs, primary));
        if (resolved > 0) {
            replica.adoptRange(commitTs, rangeEnd); // its versions are applied at commitTs
        }
        return resolved;
    }

    private LogEntry.Builder resolveCommit(TableLayout l, long startTs, long commitTs, byte[] primary) {
        if (primary != null) {
            if (startTs < replica.gcHorizon().safePoint()) {
                Long decided = replica.txnRecords.get(primary, startTs);
                if (decided != null && decided > 0) {
                    return null; // a retry of a commit made before the safe point passed it
                }
                // the commit point of a transaction older than the GC window: the coordinator is
                // rolling it back; secondaries (no primary_pk) are still committed by lock resolution
                replica.gcHorizon().checkTxnStart(startTs, "commit");
            }
            Lock p = replica.locks.get(primary);
            if (p == null || p.getStartTs() != startTs) {
                Long decided = replica.txnRecords.get(primary, startTs);
                if (decided != null && decided > 0) {
                    log.debug("shard {} epoch {}: transaction {} is already committed at {}", shardId(), epoch(), startTs,
                            decided);
                    return null; // a retry of the commit
                }
                throw ShardException.txnAborted("transaction " + startTs + " was rolled back (its primary lock on shard "
                        + shardId() + " is gone" + (decided == null ? "" : " and its rollback recorded") + ")");
            }
            if (commitTs < p.getMinCommitTs()) {
                throw ShardException.commitTsTooOld(p.getMinCommitTs(), "transaction " + startTs + " must commit at or above "
                        + p.getMinCommitTs() + " (a reader was promised its snapshot), not " + commitTs);
            }
        }
        List<byte[]> keys = replica.locks.keysOf(startTs);
        if (keys.isEmpty() && primary == null) {
            return null;
        }
        LogEntry.Builder entry = LogEntry.newBuilder().setCommitTs(commitTs).setApplied(keys.size());
        for (byte[] pk : keys) {
            Lock lock = replica.locks.get(pk);
            if (lock.getKind() != Lock.Kind.LOCK) {
                byte[] value;
                if (lock.getKind() == Lock.Kind.PUT) {
                    byte[] row = lock.getRow().toByteArray();
                    value = new byte[row.length + 1];
                    value[0] = VersionedKeys.LIVE;
                    System.arraycopy(row, 0, value, 1, row.length);
                } else {
                    value = new byte[] {VersionedKeys.TOMBSTONE};
                }
                entry.addChanges(RowChange.newBuilder().setPk(wrap(pk)).setValue(wrap(value)));
            }
            entry.addLocks(change(pk, null, lock));
        }
        if (primary != null) {
            entry.addTxnRecords(record(primary, startTs, commitTs));
            log.debug("shard {} epoch {}: transaction {} commits at {} ({} keys here)", shardId(), epoch(), startTs, commitTs,
                    keys.size());
        }
        return entry;
    }

    // -------------------------------------------------------------------------- garbage collection

    /** The locks of transactions with start_ts < {@code maxStartTs} (pk filled in), oldest first; at most {@code limit}. */
    public List<Lock> locksBelow(long maxStartTs, int limit) {
        return replica.locks.below(maxStartTs, limit);
    }

    // ------------------------------------------------------------------------------------ rollback

    /**
     * Removes every lock of {@code startTs} on this shard; with {@code primaryPk}, records the rollback
     * (a late prewrite or commit of the primary then fails). Refused when a commit is recorded.
     */
    public long rollback(long startTs, ByteString primaryPk) {
        if (startTs <= 0) {
            throw ShardException.badRequest("22000", "RollbackTxn needs start_ts > 0");
        }
        byte[] primary = bytesOrNull(primaryPk);
        return replica.submit(null, 0, l -> {
            boolean record = false;
            if (primary != null) {
                Long decided = replica.txnRecords.get(primary, startTs);
                if (decided != null && decided > 0) {
                    throw ShardException.badRequest("25000", "transaction " + startTs + " is already committed at "
                            + decided + "; it cannot be rolled back");
                }
                record = decided == null;
            }
            return rollbackEntry(startTs, record ? primary : null);
        });
    }

    /** The entry removing every lock of {@code startTs} (and recording the rollback of {@code primary}); null = nothing to do. */
    private LogEntry.Builder rollbackEntry(long startTs, byte[] primary) {
        List<byte[]> keys = replica.locks.keysOf(startTs);
        if (keys.isEmpty() && primary == null) {
            return null;
        }
        LogEntry.Builder entry = LogEntry.newBuilder().setApplied(keys.size());
        for (byte[] pk : keys) {
            entry.addLocks(change(pk, null, replica.locks.get(pk)));
        }
        if (primary != null) {
            entry.addTxnRecords(record(primary, startTs, 0));
        }
        if (!keys.isEmpty()) {
            // the transaction may still be running (rolled back by another client after its locks
            // expired): its reads here must not go on without the writes just removed
            entry.addTxnRecords(record(TxnRecords.NO_PRIMARY, startTs, 0));
        }
        return entry;
    }

    /** TXN_ABORTED when locks of transaction {@code startTs} were rolled back on this replica. */
    void checkNotRolledBackHere(long startTs) {
        if (replica.txnRecords.rolledBackHere(startTs)) {
            throw ShardException.txnAborted("transaction " + startTs + " was rolled back (its locks on shard " + shardId()
                    + " were, e.g. by another client after they expired)");
        }
    }

    // -------------------------------------------------------------------------------------- status

    /**
     * What became of transaction {@code startTs} whose primary key is {@code primaryPk} on this shard:
     * an expired primary lock is rolled back; a live one is ALIVE, its min_commit_ts pushed above
     * {@code callerTs} (> 0); without a lock the record decides, and no record means ROLLED_BACK
     * (recorded, so that a prewrite still in flight fails).
     */
    public CheckTxnStatusResponse checkStatus(ByteString primaryPk, long startTs, long callerTs) {
        byte[] primary = bytesOrNull(primaryPk);
        if (primary == null || startTs <= 0) {
            throw ShardException.badRequest("22000", "CheckTxnStatus needs the primary key and start_ts > 0");
        }
        CheckTxnStatusResponse[] answer = new CheckTxnStatusResponse[1];
        replica.submit(null, 0, l -> {
            Lock p = replica.locks.get(primary);
            if (p != null && p.getStartTs() == startTs) {
                long now = System.currentTimeMillis();
                if (p.getExpiresAtMs() <= now) {
                    log.info("shard {} epoch {}: transaction {} expired {} ms ago; rolling it back", shardId(), epoch(),
                            startTs, now - p.getExpiresAtMs());
                    answer[0] = status(CheckTxnStatusResponse.Status.ROLLED_BACK);
                    return rollbackEntry(startTs, primary);
                }
                if (callerTs > 0 && p.getMinCommitTs() <= callerTs) {
                    Lock pushed = p.toBuilder().setMinCommitTs(callerTs + 1).build();
                    answer[0] = status(CheckTxnStatusResponse.Status.ALIVE).toBuilder()
                            .setMinCommitTs(pushed.getMinCommitTs()).setExpiresAtMs(p.getExpiresAtMs()).build();
                    return LogEntry.newBuilder().addLocks(change(primary, pushed, p));
                }
                answer[0] = status(CheckTxnStatusResponse.Status.ALIVE).toBuilder()
                        .setMinCommitTs(p.getMinCommitTs()).setExpiresAtMs(p.getExpiresAtMs()).build();
                return null;
            }
            Long decided = replica.txnRecords.get(primary, startTs);
            if (decided != null) {
                answer[0] = decided > 0
                        ? status(CheckTxnStatusResponse.Status.COMMITTED).toBuilder().setCommitTs(decided).build()
                        : status(CheckTxnStatusResponse.Status.ROLLED_BACK);
                return null;
            }
            log.info("shard {} epoch {}: transaction {} has no primary lock and no record; recording its rollback", shardId(),
                    epoch(), startTs);
            answer[0] = status(CheckTxnStatusResponse.Status.ROLLED_BACK);
            return rollbackEntry(startTs, primary);
        });
        return answer[0];
    }

    private static CheckTxnStatusResponse status(CheckTxnStatusResponse.Status s) {
        return CheckTxnStatusResponse.newBuilder().setStatus(s).build();
    }

    // ----------------------------------------------------------------------------------- heartbeat

    /**
     * Extends the primary lock's TTL to now + {@code ttlMs}; TXN_ABORTED when the transaction was
     * rolled back here. Without its primary lock and any record of it, the heartbeat does nothing:
     * it may have overtaken the prewrite that places the lock.
     */
    public void heartbeat(ByteString primaryPk, long startTs, long ttlMs) {
        byte[] primary = bytesOrNull(primaryPk);
        if (primary == null || startTs <= 0) {
            throw ShardException.badRequest("22000", "TxnHeartbeat needs the primary key and start_ts > 0");
        }
        replica.submit(null, 0, l -> {
            Lock p = replica.locks.get(primary);
            if (p == null || p.getStartTs() != startTs) {
                Long decided = replica.txnRecords.get(primary, startTs);
                if ((decided != null && decided == 0) || replica.txnRecords.rolledBackHere(startTs)) {
                    throw ShardException.txnAborted("transaction " + startTs + " was rolled back on shard " + shardId()
                            + " (e.g. after its locks expired)");
                }
                return null;
            }
            long expires = System.currentTimeMillis() + (ttlMs > 0 ? ttlMs : DEFAULT_TTL_MILLIS);
            if (expires <= p.getExpiresAtMs()) {
                return null;
            }
            return LogEntry.newBuilder().addLocks(change(primary, p.toBuilder().setExpiresAtMs(expires).build(), p));
        });
    }
}
