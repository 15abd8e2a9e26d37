package io.tessera.node.storage;

import com.google.common.collect.AbstractIterator;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.tessera.node.ShardException;
import io.tessera.protocol.codec.ByteWriter;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.EpochStart;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.LockChange;
import io.tessera.protocol.proto.LogEntry;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.RowChange;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.TxnRead;
import io.tessera.protocol.proto.TxnRecord;
import io.tessera.protocol.time.Timestamps;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.LongDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard replica: an MVStore (a file, or memory) holding the versioned rows, the secondary index
 * entries and the replica's metadata (see {@link VersionedKeys} for the byte layout).
 *
 * <p>Reads are lock-free MVCC reads at a timestamp. Writes validate a whole batch, turn it into a
 * resolved {@link LogEntry} stamped {@code (epoch, lsn)}, apply it and append it to the replica's
 * {@code log} map under the replica's write lock, and return once a group commit made them durable
 * and the entry is <em>committed</em>: acknowledged by the sync set, as the replication layer reports
 * through {@link #setReplicatedLsn}. Followers apply entries without validation
 * ({@link #appendEntries}), undo a divergent suffix ({@link #truncateTo}) or install a snapshot.
 *
 * <p>Entries applied but not yet committed are <em>pending</em>: a read at a timestamp waits while a
 * pending entry has {@code commit_ts <= read_ts} ({@link #awaitReadable}).
 */
public final class Replica implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replica.class);

    static final String ROWS = "rows";
    static final String INDEX = "index";
    static final String META = "meta";
    static final String LOG = "log";
    static final String LOCKS = "locks";
    static final String TXN_RECORDS = "txnRecords";
    private static final byte[] META_SCHEMA = bytes("schema");
    private static final byte[] META_STATE = bytes("state");
    private static final byte[] META_APPLIED_TS = bytes("appliedTs");
    private static final byte[] META_FIRST_LSN = bytes("firstLsn");
    private static final byte[] META_EPOCHS = bytes("epochs");
    private static final byte[] META_INSTALLING = bytes("installingSnapshot");
    private static final byte[] META_COMMIT_LSN = bytes("commitLsn");
    private static final int TRIM_BATCH = 10_000;
    private static final int DEDUP_CLIENTS = 10_000;
    /** An index build commits after this many entries (the store has no auto-commit). */
    private static final long INDEX_BUILD_COMMIT_ENTRIES = 100_000;
    /** How often one write takes a new timestamp slot before it gives up with NOT_SERVING. */
    private static final int MAX_NEW_SLOTS = 3;

    private final Path file;
    private final MVStore store;
    private final MVMap<byte[], byte[]> rows;
    private final MVMap<byte[], byte[]> index;
    private final MVMap<byte[], byte[]> meta;
    private final MVMap<Long, byte[]> logMap;
    final LockTable locks;
    final TxnRecords txnRecords;
    private final GcHorizon gcHorizon;
    private final ReadTimestamps readTimestamps = new ReadTimestamps();
    private volatile SlotRefill slotRefill = new OwnSlots();
    private final Transactions transactions;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final GroupCommit groupCommit;
    private final Map<String, AppliedWrite> recentWrites = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AppliedWrite> eldest) {
            return size() > DEDUP_CLIENTS;
        }
    };

    private volatile TableLayout layout;
    private volatile ShardState state;
    private volatile long appliedTs; // written under writeLock
    private volatile long lastLsn;        // written under writeLock
    private volatile long firstLsn = 1;   // written under writeLock: the first retained log entry
    private final List<EpochStart> epochs = new ArrayList<>(); // guarded by writeLock
    private volatile boolean installing;
    // Snapshots being streamed: their registered version keeps old chunks, so compaction waits for them
    private final AtomicInteger openSnapshots = new AtomicInteger();
    private boolean installMarked; // guarded by writeLock: META_INSTALLING is set (the replica is empty)

    // Commit tracking. commitLsn only grows; pending holds {lsn, commitTs} of the entries above it.
    private final Object commitMonitor = new Object();
    private final ArrayDeque<long[]> pending = new ArrayDeque<>(); // guarded by commitMonitor
    private volatile long commitLsn;
    // The last entry a promoted primary inherited from earlier epochs: the old primary may have
    // acknowledged it, so read_ts 0 must not be resolved before it is committed again.
    private volatile long inheritedLsn;
    private volatile long committedTs;
    private volatile long lowestPendingTs = Long.MAX_VALUE;
    private volatile long durableLsn;
    private volatile long replicatedLsn = Long.MAX_VALUE;
    private volatile boolean trackPending;
    private volatile long generation; // bumped when waiting writers and readers must give up
    private volatile LongConsumer appendListener;
    private volatile long stallNanos = TimeUnit.SECONDS.toNanos(5);
    private volatile BiConsumer<Replica, ShardState> stateListener;

    private record AppliedWrite(long seq, long applied, long ticket, long lsn, long commitTs) {}

    /** What a one-phase write did: the rows it changed and the timestamp it committed at. */
    public record WriteOutcome(long applied, long commitTs) {}

    /** Where the log stands: what {@code ReplicaStatus} and the replication handshake report. */
    public record Positions(long lastLsn, long lastEpoch, long firstLsn, long commitLsn, long appliedTs) {}

    private Replica(Path file, MVStore store, Durability durability) {
        this.file = file;
        this.store = store;
        this.rows = openMap(store, ROWS);
        this.index = openMap(store, INDEX);
        this.meta = openMap(store, META);
        this.logMap = store.openMap(LOG, new MVMap.Builder<Long, byte[]>()
                .keyType(LongDataType.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE));
        this.locks = new LockTable(openMap(store, LOCKS));
        this.txnRecords = new TxnRecords(openMap(store, TXN_RECORDS));
        this.gcHorizon = new GcHorizon(this::shardId, meta);
        this.groupCommit = new GroupCommit(store, writeLock, durability);
        this.transactions = new Transactions(this);
    }

    private static MVMap<byte[], byte[]> openMap(MVStore store, String name) {
        // Key and value types are not stored in the file: always reopen with these.
        return store.openMap(name, new MVMap.Builder<byte[], byte[]>()
                .keyType(ByteArrayDataType.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE));
    }

    private static MVStore openStore(Path file) {
        // Only GroupCommit (and bounded housekeeping steps under the write lock) may commit: MVStore's
        // own auto-commit would store a large batch half-applied (after ~10 MB of unsaved pages), and a
        // crash then would leave rows no log entry describes. Bulk work commits in steps of its own.
        MVStore.Builder b = new MVStore.Builder().autoCommitDisabled().autoCommitBufferSize(0);
        if (file != null) {
            b.fileName(file.toString());
        }
        return b.open();
    }

    /** Creates a replica (file {@code file}, or in memory when null) with its schema and state. */
    static Replica create(Path file, ShardState state, TableSchema schema, Durability durability) {
        TableLayout layout = new TableLayout(schema);
        MVStore store = openStore(file);
        try {
            Replica r = new Replica(file, store, durability);
            r.layout = layout;
            r.state = state;
            r.meta.put(META_SCHEMA, schema.toByteArray());
            r.meta.put(META_STATE, state.toByteArray());
            r.groupCommit.flush();
            return r;
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw e;
        }
    }

    /** Opens an existing replica file. */
    static Replica open(Path file, Durability durability) {
        MVStore store = openStore(file);
        try {
            Replica r = new Replica(file, store, durability);
            byte[] schema = r.meta.get(META_SCHEMA);
            byte[] state = r.meta.get(META_STATE);
            if (schema == null || state == null) {
                throw new IllegalStateException("replica file " + file + " has no schema or state");
            }
            r.layout = new TableLayout(TableSchema.parseFrom(schema));
            r.state = ShardState.parseFrom(state);
            r.appliedTs = r.metaLong(META_APPLIED_TS, 0);
            r.firstLsn = r.metaLong(META_FIRST_LSN, 1);
            Long lastKey = r.logMap.lastKey();
            r.lastLsn = lastKey != null ? lastKey : r.firstLsn - 1;
            r.epochs.addAll(decodeEpochs(r.meta.get(META_EPOCHS)));
            r.installMarked = r.meta.containsKey(META_INSTALLING);
            if (r.installMarked) {
                log.warn("shard {}: a snapshot install was interrupted; the replica starts empty", r.shardId());
                r.clearLocked();
                r.groupCommit.flush();
            }
            r.rebuildDedupTable();
            // Everything in the file is durable; whether it is committed the next primary decides.
            r.durableLsn = r.lastLsn;
            r.commitLsn = Math.min(r.lastLsn, r.metaLong(META_COMMIT_LSN, r.lastLsn));
            r.committedTs = r.appliedTs;
            return r;
        } catch (InvalidProtocolBufferException e) {
            store.closeImmediately();
            throw new IllegalStateException("corrupt metadata in " + file, e);
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw e;
        }
    }

    /** Refills the dedup table from the log's newest entries (so a retry after a restart is recognised). */
    private void rebuildDedupTable() {
        long from = Math.max(firstLsn, lastLsn - DEDUP_CLIENTS + 1);
        for (long lsn = from; lsn <= lastLsn; lsn++) {
            byte[] b = logMap.get(lsn);
            if (b != null) {
                LogEntry e = parseEntry(b);
                if (!e.getClientId().isEmpty()) {
                    recentWrites.put(e.getClientId(), new AppliedWrite(e.getSeq(), e.getApplied(), 0, lsn, e.getCommitTs()));
                }
            }
        }
    }

    public long shardId() {
        return state.getShardId();
    }

    public ShardState state() {
        return state;
    }

    public TableLayout layout() {
        return layout;
    }

    public Path file() {
        return file;
    }

    public long appliedTs() {
        return appliedTs;
    }

    /**
     * The lowest commit_ts a transaction whose locks are already placed here may commit at, or 0 when
     * that value would leave its timestamp slot (the transaction then takes one from the oracle).
     * Call after the locks are applied: a read that raised max_read_ts before this call is below the
     * value; one that raises it later sees the locks (docs/transactions.md, "Commit timestamps").
     */
    public long commitFloor() {
        long ts = readTimestamps.choose(0, appliedTs);
        if (ts == ReadTimestamps.NEW_SLOT || readTimestamps.pastHalf(ts)) {
            slotRefill.refillSoon();
        }
        return ts;
    }

    /** Prewrite, commit, rollback, status checks and heartbeats of transactions on this replica. */
    public Transactions transactions() {
        return transactions;
    }

    /** Number of transaction records (tests, diagnostics). */
    public long txnRecordCount() {
        return txnRecords.map().sizeAsLong();
    }

    /** The store's version: how many commits it made (tests). */
    long storeVersion() {
        return store.getCurrentVersion();
    }

    /** Number of locked keys (tests, diagnostics). */
    public long lockCount() {
        return locks.size();
    }

    /** The newest explicit read timestamp served here (a one-phase write commits above it). */
    public long maxReadTs() {
        return readTimestamps.max();
    }

    /**
     * Oracle timestamps from {@code from} up to {@code end} (exclusive: the end of the last one's slot)
     * were handed to this primary: max_read_ts rises to {@code from}, and one-phase writes may commit
     * anywhere in the range. A newly promoted primary adopts them (its predecessor's reads are
     * unknown); a {@link SlotRefill} adopts fresh ones before the range runs out.
     */
    public void adoptTimestamps(long from, long end) {
        readTimestamps.reserve(from, end);
    }

    /**
     * {@code ts}, which this primary's values reached, lies in a range of issued timestamps ending at
     * {@code end} (reported by another primary, passed on by a frontend): adopts the rest of it.
     */
    void adoptRange(long ts, long end) {
        readTimestamps.adopt(ts, end);
    }

    /** The end of the range of issued timestamps {@code ts} lies in, as far as this primary knows; 0 = unknown. */
    public long rangeEndOf(long ts) {
        return readTimestamps.rangeEndOf(ts);
    }

    /** Where this replica, as primary, takes new timestamp slots; null = {@link OwnSlots}. */
    public void setSlotRefill(SlotRefill refill) {
        slotRefill = refill == null ? new OwnSlots() : refill;
    }

    /**
     * The slots of a replica outside a cluster (tests, a node without ZooKeeper): there is no oracle
     * to stay below, so the next slot starts at the next multiple of the step.
     */
    private final class OwnSlots implements SlotRefill {
        @Override
        public void refillSoon() {
            // nothing to fetch: refillNow is immediate
        }

        @Override
        public void refillNow() {
            readTimestamps.raise(Timestamps.oracleCeiling(Math.max(appliedTs, readTimestamps.max()) + 1));
        }
    }

    /** How a read at the resolved {@code readTs} treats locks; {@code txn} null = not in a transaction. */
    public ReadView readView(long readTs, TxnRead txn) {
        return new ReadView(this, readTs, txn);
    }

    /** The log's positions, read consistently under the write lock. */
    public Positions positions() {
        writeLock.lock();
        try {
            return new Positions(lastLsn, epochOfLocked(lastLsn), firstLsn, commitLsn, appliedTs);
        } finally {
            writeLock.unlock();
        }
    }

    public long commitLsn() {
        return commitLsn;
    }

    public boolean installingSnapshot() {
        return installing;
    }

    /** The epoch history: from which lsn on entries carry which epoch. */
    public List<EpochStart> epochHistory() {
        writeLock.lock();
        try {
            return List.copyOf(epochs);
        } finally {
            writeLock.unlock();
        }
    }

    /** How long writes wait for their acknowledgements and reads for pending entries (NOT_SERVING after). */
    public void setStallTimeout(long millis) {
        stallNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Called with the replica and its previous state after every change of state (role changes). */
    public void setStateListener(BiConsumer<Replica, ShardState> listener) {
        stateListener = listener;
    }

    /** Called with the lsn of every entry the primary appends (the replicators' wake-up). */
    public void setAppendListener(LongConsumer listener) {
        appendListener = listener;
    }

    /** Number of stored row versions (tests, diagnostics). */
    public long versionCount() {
        return rows.sizeAsLong();
    }

    /** Number of stored index entries (tests, diagnostics). */
    public long indexEntryCount() {
        return index.sizeAsLong();
    }

    // --------------------------------------------------------------------- garbage collection

    /** The GC safe point: reads and new transactions below it are refused (docs/transactions.md). */
    public GcHorizon gcHorizon() {
        return gcHorizon;
    }

    /**
     * Raises the GC safe point and the transaction-record horizon (lower values are ignored) and
     * persists them before returning; {@link VersionCollector} then removes what they allow.
     */
    public boolean raiseSafePoint(long safePoint, long txnRecordsBelow) {
        boolean changed;
        writeLock.lock();
        try {
            changed = gcHorizon.raise(safePoint, txnRecordsBelow);
        } finally {
            writeLock.unlock();
        }
        if (changed) {
            groupCommit.flush();
            log.info("shard {} epoch {}: GC safe point {}, transaction records kept from {}", shardId(),
                    state.getEpoch(), gcHorizon.safePoint(), gcHorizon.txnRecordsBelow());
        }
        return changed;
    }

    /**
     * Under the write lock: runs {@code chunk} of version collection and returns its result, or null
     * when the replica is closed or installing a snapshot (the collector gives up its pass).
     */
    <T> T collectUnderWriteLock(java.util.function.Supplier<T> chunk) {
        writeLock.lock();
        try {
            return store.isClosed() || installing ? null : chunk.get();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Under the write lock: the newest timestamp whose versions no log entry a truncation could still
     * undo has written (entries above the commit point are pending: below their lowest timestamp) and
     * a read of the latest state may read at ({@code committedTs}). Collecting at or below it never
     * lets an undone entry or a latest read find a version missing.
     */
    long settledTs() {
        long low = lowestPendingTs;
        return Math.min(committedTs, low == Long.MAX_VALUE ? Long.MAX_VALUE : low - 1);
    }

    MVMap<byte[], byte[]> rowsMap() {
        return rows;
    }

    MVMap<byte[], byte[]> indexMap() {
        return index;
    }

    /**
     * Under the write lock: runs {@code step} of file compaction ({@link FileCompaction}) on the store, or
     * returns null when the replica is closed, installing a snapshot, or streaming one.
     */
    <T> T compactUnderWriteLock(Function<MVStore, T> step) {
        writeLock.lock();
        try {
            return store.isClosed() || installing || openSnapshots.get() > 0 ? null : step.apply(store);
        } finally {
            writeLock.unlock();
        }
    }

    /** Commits what version collection removed (not synced: a lost removal is redone by the next pass). */
    void commitCollected() {
        writeLock.lock();
        try {
            if (!store.isClosed()) {
                store.commit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Installs a newer (or the same) shard state; an older epoch is refused with the current route. */
    public void adoptState(ShardState next) {
        ShardState cur;
        writeLock.lock();
        try {
            cur = state;
            if (next.getEpoch() < cur.getEpoch()) {
                throw new ShardException(Error.Code.STALE_EPOCH, null, "shard " + cur.getShardId() + " is at epoch "
                        + cur.getEpoch() + ", refusing state of epoch " + next.getEpoch(), cur);
            }
            if (next.equals(cur) || (next.getEpoch() == cur.getEpoch() && next.getConfigVersion() < cur.getConfigVersion())) {
                return; // the same, or an older configuration of this epoch pushed late
            }
            meta.put(META_STATE, next.toByteArray());
            state = next;
        } finally {
            writeLock.unlock();
        }
        groupCommit.flush();
        log.info("shard {} adopted epoch {} primary {} replicas {} sync set {}", next.getShardId(), next.getEpoch(),
                next.getPrimary(), next.getReplicasList(), next.getSyncSetList());
        BiConsumer<Replica, ShardState> listener = stateListener;
        if (listener != null) {
            listener.accept(this, cur);
        }
    }

    // ---------------------------------------------------------------------------------------- reads

    /** The stored value (flag + row) of the newest version of {@code pk} with ts <= readTs, or null. */
    private byte[] versionAt(byte[] pk, long readTs) {
        Cursor<byte[], byte[]> c = rows.cursor(VersionedKeys.rowKey(pk, readTs));
        if (!c.hasNext()) {
            return null;
        }
        byte[] key = c.next();
        return VersionedKeys.isVersionOf(key, pk) ? c.getValue() : null;
    }

    /** A cursor over the row versions from {@code from} (the newest version of a pk comes first). */
    Cursor<byte[], byte[]> rowsCursor(byte[] from) {
        return rows.cursor(from);
    }

    Cursor<byte[], byte[]> indexCursor(byte[] from) {
        return index.cursor(from);
    }

    /** The RowCodec bytes of the row with primary key tuple {@code pk} visible at readTs, or null. */
    public byte[] readRowBytes(byte[] pk, long readTs) {
        byte[] v = versionAt(pk, readTs);
        return v == null || v[0] != VersionedKeys.LIVE ? null : Arrays.copyOfRange(v, 1, v.length);
    }

    /** The row with primary key tuple {@code pk} visible at readTs, decoded, or null. */
    public Object[] readRow(byte[] pk, long readTs) {
        byte[] v = versionAt(pk, readTs);
        return v == null || v[0] != VersionedKeys.LIVE ? null : decodeRow(layout, v);
    }

    private static Object[] decodeRow(TableLayout layout, byte[] value) {
        return layout.rowCodec().decode(Arrays.copyOfRange(value, 1, value.length));
    }

    /** Rows visible at readTs in primary-key order within {@code range} (over the pk tuple). */
    public Iterator<Object[]> scan(long readTs, KeyRange range) {
        TableLayout l = layout;
        byte[] within = VersionedKeys.EMPTY;
        byte[] start = range.start(within);
        if (start == null) {
            return List.<Object[]>of().iterator();
        }
        Cursor<byte[], byte[]> c = rows.cursor(start);
        return new AbstractIterator<>() {
            private byte[] resolved; // the last key whose pk was resolved at readTs

            @Override
            protected Object[] computeNext() {
                while (c.hasNext()) {
                    byte[] key = c.next();
                    if (range.beyondUpper(key, within)) {
                        break;
                    }
                    if (resolved != null && VersionedKeys.samePk(key, resolved)) {
                        continue;
                    }
                    if (VersionedKeys.tsOf(key) > readTs) {
                        continue;
                    }
                    resolved = key;
                    byte[] v = c.getValue();
                    if (v[0] == VersionedKeys.LIVE) {
                        return decodeRow(l, v);
                    }
                }
                return endOfData();
            }
        };
    }

    /**
     * Rows visible at readTs in the order of index {@code indexId} within {@code range} (over the
     * index columns). An entry counts only if the row version read still has the entry's values.
     */
    public Iterator<Object[]> scanIndex(int indexId, long readTs, KeyRange range) {
        return scanIndex(indexId, range, pk -> readRow(pk, readTs));
    }

    /** As {@link #scanIndex(int, long, KeyRange)}, reading each entry's row with {@code rowOf} (a transaction's view). */
    Iterator<Object[]> scanIndex(int indexId, KeyRange range, java.util.function.Function<byte[], Object[]> rowOf) {
        TableLayout l = layout;
        TableLayout.Index idx = l.index(indexId);
        if (idx == null) {
            throw ShardException.badRequest("42704", "table " + l.tableName() + " has no index with id " + indexId);
        }
        byte[] within = VersionedKeys.indexPrefix(indexId, VersionedKeys.EMPTY);
        byte[] start = range.start(within);
        if (start == null) {
            return List.<Object[]>of().iterator();
        }
        Cursor<byte[], byte[]> c = index.cursor(start);
        return new AbstractIterator<>() {
            @Override
            protected Object[] computeNext() {
                while (c.hasNext()) {
                    byte[] key = c.next();
                    if (range.beyondUpper(key, within)) {
                        break;
                    }
                    int tupleLen = VersionedKeys.indexTupleLength(key, idx.types());
                    byte[] pk = Arrays.copyOfRange(key, 4 + tupleLen, key.length);
                    Object[] row = rowOf.apply(pk);
                    if (row == null) {
                        continue;
                    }
                    byte[] current = TableLayout.indexTuple(idx, row);
                    if (!Arrays.equals(current, 0, current.length, key, 4, 4 + tupleLen)) {
                        continue; // a stale entry: the row has other values at readTs
                    }
                    return row;
                }
                return endOfData();
            }
        };
    }

    // --------------------------------------------------------------------------------------- writes

    /**
     * Applies {@code mutations} atomically at {@code commitTs}: every mutation is validated before any
     * is applied, so a failing batch leaves the replica unchanged. Returns, once durable and committed,
     * how many mutations changed a row. A repeated {@code (clientId, seq)} returns the first outcome,
     * once that one is committed. The caller checked that this replica is the serving primary.
     */
    public long write(long commitTs, List<Mutation> mutations, String clientId, long seq) {
        return writeAt(commitTs, mutations, clientId, seq).applied();
    }

    /** As {@link #writeAt(long, long, List, String, long)} for a blind write (no read timestamp to check). */
    public WriteOutcome writeAt(long requestedTs, List<Mutation> mutations, String clientId, long seq) {
        return writeAt(requestedTs, 0, mutations, clientId, seq);
    }

    /**
     * As {@link #write}, at {@code requestedTs} or above, or, for {@code requestedTs} 0, at a timestamp
     * the replica chooses just above everything it applied: either way the write commits above every
     * explicit read timestamp served here ({@link #maxReadTs()}), so it never changes a snapshot
     * someone read, and inside the slot of an oracle timestamp already handed out (see
     * {@link ReadTimestamps}); a write that would leave the slot first takes a new one from the
     * {@link SlotRefill}. With {@code readTs} > 0 (the snapshot a read-modify-write statement read its
     * rows at), a version of a written key above it fails the batch with WRITE_CONFLICT. A key locked
     * by a transaction fails the batch with LOCKED.
     */
    public WriteOutcome writeAt(long requestedTs, long readTs, List<Mutation> mutations, String clientId, long seq) {
        long gen = generation;
        for (int newSlots = 0; ; newSlots++) {
            if (readTimestamps.choose(requestedTs, appliedTs) == ReadTimestamps.NEW_SLOT) {
                takeNewSlot(newSlots, clientId, seq);
            }
            AppendedWrite w = appendWrite(requestedTs, readTs, mutations, clientId, seq);
            if (w == null) {
                continue; // the slot ran out meanwhile
            }
            if (!w.retry() && readTimestamps.pastHalf(w.commitTs())) {
                slotRefill.refillSoon();
            }
            awaitAcknowledged(w.lsn(), w.ticket(), !w.retry(), w.commitTs(), gen);
            return new WriteOutcome(w.applied(), w.commitTs());
        }
    }

    /** Raises max_read_ts to a fresh oracle timestamp (never under the write lock: it may wait for the oracle). */
    private void takeNewSlot(int taken, String clientId, long seq) {
        if (taken >= MAX_NEW_SLOTS) {
            // only writers racing through a whole slot, or an oracle answering below our values, get here
            throw new ShardException(Error.Code.NOT_SERVING, null, "shard " + shardId() + ": write (" + clientId + ", "
                    + seq + ") found its timestamp slot used up " + taken + " times; retry", state);
        }
        log.debug("shard {}: write ({}, {}) needs a new timestamp slot (applied ts {}, max read ts {})", shardId(),
                clientId, seq, appliedTs, readTimestamps.max());
        slotRefill.refillNow();
    }

    private record AppendedWrite(long applied, long ticket, long lsn, long commitTs, boolean retry) {}

    /**
     * Under the write lock: validates, applies and appends a one-phase write (or finds the earlier
     * outcome of its retry); null when its commit would leave the slot (nothing changed).
     */
    private AppendedWrite appendWrite(long requestedTs, long readTs, List<Mutation> mutations, String clientId, long seq) {
        writeLock.lock();
        try {
            boolean dedup = clientId != null && !clientId.isEmpty();
            AppliedWrite prev = retryOf(clientId, seq);
            if (prev != null) {
                log.debug("shard {}: write ({}, {}) is a retry of lsn {}, already applied", shardId(), clientId, seq,
                        prev.lsn());
                return new AppendedWrite(prev.applied(), prev.ticket(), prev.lsn(), prev.commitTs(), true);
            }
            TableLayout l = layout;
            long commitTs = readTimestamps.beginWrite(requestedTs, appliedTs);
            try {
                if (commitTs == ReadTimestamps.NEW_SLOT) {
                    return null;
                }
                if (requestedTs > 0 && commitTs != requestedTs) {
                    log.debug("shard {}: write ({}, {}) commits at ts {} instead of {}: a read at ts {} was served",
                            shardId(), clientId, seq, commitTs, requestedTs, commitTs - 1);
                }
                WriteBatch batch = validate(l, commitTs, readTs, mutations);
                long lsn = lastLsn + 1;
                LogEntry.Builder entry = LogEntry.newBuilder().setLsn(lsn).setEpoch(state.getEpoch())
                        .setCommitTs(commitTs).setApplied(batch.applied);
                if (dedup) {
                    entry.setClientId(clientId).setSeq(seq);
                }
                if (trackPending) {
                    addPending(lsn, commitTs);
                }
                apply(l, batch, commitTs, entry);
                appendLocked(entry.build());
                long ticket = groupCommit.applied();
                if (dedup) {
                    recentWrites.put(clientId, new AppliedWrite(seq, batch.applied, ticket, lsn, commitTs));
                }
                return new AppendedWrite(batch.applied, ticket, lsn, commitTs, false);
            } finally {
                readTimestamps.endWrite();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** A transaction operation, resolved under the write lock. */
    interface Resolution {
        /**
         * Validates against the replica (changing nothing) and returns the entry to append (its commit_ts,
         * applied, changes, locks, records), or null when the answer needs no entry.
         */
        LogEntry.Builder resolve(TableLayout l);
    }

    /**
     * Appends the entry {@code op} resolves, applied exactly as a follower applies it, and returns its
     * {@code applied} once durable and committed, like a write (deduplicated by {@code (clientId, seq)}).
     * When {@code op} needs no entry, returns once everything applied so far is committed: its answer
     * rests on that state, which a failover must not lose.
     */
    long submit(String clientId, long seq, Resolution op) {
        long gen = generation;
        long applied;
        long ticket = 0;
        long lsn;
        long commitTs = 0;
        boolean appended = false;
        writeLock.lock();
        try {
            boolean dedup = clientId != null && !clientId.isEmpty();
            AppliedWrite prev = retryOf(clientId, seq);
            if (prev != null) {
                applied = prev.applied();
                ticket = prev.ticket();
                lsn = prev.lsn();
                log.debug("shard {}: request ({}, {}) is a retry of lsn {}, already applied", shardId(), clientId, seq, lsn);
            } else {
                TableLayout l = layout;
                LogEntry.Builder b = op.resolve(l);
                if (b == null) {
                    applied = 0;
                    lsn = lastLsn;
                    if (durableLsn < lsn) {
                        ticket = groupCommit.applied();
                    }
                } else {
                    lsn = lastLsn + 1;
                    b.setLsn(lsn).setEpoch(state.getEpoch());
                    if (dedup) {
                        b.setClientId(clientId).setSeq(seq);
                    }
                    LogEntry e = b.build();
                    long pts = pendingTs(e);
                    if (trackPending && pts != Long.MAX_VALUE) {
                        addPending(lsn, pts); // before the maps change: readers must not see it unacknowledged
                    }
                    applyResolved(l, e);
                    appendLocked(e);
                    applied = e.getApplied();
                    commitTs = e.getCommitTs();
                    ticket = groupCommit.applied();
                    appended = true;
                    if (dedup) {
                        recentWrites.put(clientId, new AppliedWrite(seq, applied, ticket, lsn, commitTs));
                    }
                }
            }
        } finally {
            writeLock.unlock();
        }
        awaitAcknowledged(lsn, ticket, appended, commitTs, gen);
        return applied;
    }

    /** The earlier outcome of {@code (clientId, seq)} when this request is its retry, else null. */
    private AppliedWrite retryOf(String clientId, long seq) {
        AppliedWrite prev = clientId == null || clientId.isEmpty() ? null : recentWrites.get(clientId);
        return prev != null && prev.seq() == seq ? prev : null;
    }

    /**
     * After the write lock: wakes the replicators for an appended entry, then waits until entry
     * {@code lsn} is durable here ({@code ticket}, 0 = nothing of ours to wait for) and acknowledged
     * by the sync set, and notes {@code commitTs} (0 = none) as committed.
     */
    private void awaitAcknowledged(long lsn, long ticket, boolean appended, long commitTs, long gen) {
        LongConsumer listener = appendListener;
        if (appended && listener != null) {
            listener.accept(lsn);
        }
        if (ticket > 0) {
            groupCommit.awaitDurable(ticket);
        }
        markDurable(lsn);
        awaitCommitted(lsn, gen);
        if (commitTs > 0) {
            accumulateCommittedTs(commitTs);
        }
    }

    /**
     * From which read timestamp on readers wait for an entry until it is committed (MAX = none): its
     * commit_ts when it writes versions; else the lowest start_ts of the locks it removes (a reader
     * must not read past a removed lock that a failover could bring back). Placing, replacing, pushing
     * or extending a lock needs no wait: a reader that meets the lock is refused or told by an
     * acknowledged CheckTxnStatus that it may read past.
     */
    static long pendingTs(LogEntry e) {
        if (e.getCommitTs() > 0) {
            return e.getCommitTs();
        }
        long ts = Long.MAX_VALUE;
        for (LockChange c : e.getLocksList()) {
            if (!c.hasLock() && c.hasPrevious()) {
                ts = Math.min(ts, c.getPrevious().getStartTs());
            }
        }
        return ts;
    }

    // ------------------------------------------------------------------------------ commit tracking

    private void addPending(long lsn, long commitTs) {
        synchronized (commitMonitor) {
            pending.addLast(new long[] {lsn, commitTs});
            if (commitTs < lowestPendingTs) {
                lowestPendingTs = commitTs;
            }
        }
    }

    private void accumulateCommittedTs(long ts) {
        if (ts > committedTs) {
            synchronized (commitMonitor) {
                if (ts > committedTs) {
                    committedTs = ts;
                }
            }
        }
    }

    private void markDurable(long lsn) {
        if (lsn > durableLsn) {
            synchronized (commitMonitor) {
                if (lsn > durableLsn) {
                    durableLsn = lsn;
                }
            }
        }
        long target = Math.min(durableLsn, replicatedLsn);
        if (target > commitLsn) {
            advanceCommit(target);
        }
    }

    /**
     * The primary's replication layer reports up to which lsn every other member of its sync-set view
     * acknowledged ({@link Long#MAX_VALUE}: it waits for nobody). Entries up to min(this, durable) commit.
     */
    public void setReplicatedLsn(long lsn) {
        replicatedLsn = lsn;
        long target = Math.min(durableLsn, lsn);
        if (target > commitLsn) {
            advanceCommit(target);
        }
    }

    /**
     * Whether applied entries stay pending until committed (readers wait for them): true while the
     * primary waits for followers; false with a sync set of one, where a write commits once durable.
     */
    public void setTrackPending(boolean track) {
        trackPending = track;
    }

    /** A follower learns from the primary up to which lsn entries are committed. */
    public void followerCommit(long primaryCommitLsn) {
        long target;
        writeLock.lock();
        try {
            target = Math.min(primaryCommitLsn, lastLsn);
        } finally {
            writeLock.unlock();
        }
        if (target > commitLsn) {
            advanceCommit(target);
        }
    }

    private void advanceCommit(long lsn) {
        synchronized (commitMonitor) {
            if (lsn <= commitLsn) {
                return;
            }
            commitLsn = lsn;
            long maxTs = committedTs;
            boolean popped = false;
            while (!pending.isEmpty() && pending.peekFirst()[0] <= lsn) {
                long[] p = pending.pollFirst();
                maxTs = Math.max(maxTs, p[1]);
                popped = true;
            }
            committedTs = maxTs;
            if (popped) {
                recomputeLowestPending();
            }
            commitMonitor.notifyAll();
        }
    }

    private void recomputeLowestPending() {
        long low = Long.MAX_VALUE;
        for (long[] p : pending) {
            low = Math.min(low, p[1]);
        }
        lowestPendingTs = low;
    }

    /**
     * Makes every waiting writer and reader give up with NOT_PRIMARY (the replica stopped being the
     * primary). Their entries stay applied: a later primary keeps or truncates them.
     */
    public void failWaiters() {
        synchronized (commitMonitor) {
            generation++;
            commitMonitor.notifyAll();
        }
    }

    private void awaitCommitted(long lsn, long gen) {
        if (commitLsn >= lsn) {
            return;
        }
        long deadline = System.nanoTime() + stallNanos;
        synchronized (commitMonitor) {
            while (commitLsn < lsn) {
                if (generation != gen) {
                    throw notPrimary("stopped being the primary before lsn " + lsn + " was acknowledged");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ShardException(Error.Code.NOT_SERVING, null, "shard " + shardId() + ": lsn " + lsn
                            + " is applied but not acknowledged by the sync set " + state.getSyncSetList() + " after "
                            + TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms; retry", state);
                }
                waitNanos(left);
            }
        }
    }

    private void waitNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.timedWait(commitMonitor, nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(Error.Code.NOT_SERVING, null, "interrupted", state);
        }
    }

    private ShardException notPrimary(String why) {
        ShardState s = state;
        return new ShardException(Error.Code.NOT_PRIMARY, null, "shard " + s.getShardId() + " " + why
                + " (primary of epoch " + s.getEpoch() + " is " + s.getPrimary() + ")", s);
    }

    /**
     * The timestamp a read should use: {@code readTs}, or for 0 the newest committed commit_ts (on a
     * newly promoted primary only once the entries it inherited are committed again). Waits
     * (up to the stall timeout, then NOT_SERVING) while an applied entry with commit_ts <= that
     * timestamp is not yet committed, so a reader never sees a write that a failover could lose.
     */
    public long awaitReadable(long readTs) {
        return awaitReadable(readTs, 0);
    }

    /**
     * As {@link #awaitReadable(long)}, for a read at a timestamp from a range of issued timestamps
     * ending at {@code rangeEnd} (0 = unknown): one-phase commits may then fill the rest of that range.
     */
    public long awaitReadable(long readTs, long rangeEnd) {
        if (readTs > 0) {
            readTimestamps.noteRead(readTs, rangeEnd);
        }
        if (readTs == 0 && commitLsn < inheritedLsn) {
            long inherited = inheritedLsn;
            await(() -> commitLsn < inherited, "inherited entries up to lsn " + inherited);
        }
        long ts = readTs == 0 ? committedTs : readTs;
        if (pendingAtOrBelow(ts)) {
            await(() -> pendingAtOrBelow(ts), "entries at or below ts " + ts);
        }
        return ts; // the fast path: volatile reads only
    }

    /**
     * Waits (as {@link #awaitReadable}) while an applied entry from {@code ts} on is not committed; a
     * reader calls it again after checking the locks, since a commit that removed a lock it did not
     * see made its versions pending first.
     */
    void awaitNoPendingAtOrBelow(long ts) {
        if (pendingAtOrBelow(ts)) {
            await(() -> pendingAtOrBelow(ts), "entries at or below ts " + ts);
        }
    }

    /** Waits while {@code blocked} holds: NOT_PRIMARY when deposed, NOT_SERVING after the stall timeout. */
    private void await(java.util.function.BooleanSupplier blocked, String what) {
        long gen = generation;
        long deadline = System.nanoTime() + stallNanos;
        synchronized (commitMonitor) {
            while (blocked.getAsBoolean()) {
                if (generation != gen) {
                    throw notPrimary("stopped being the primary while a read waited for pending entries");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ShardException(Error.Code.NOT_SERVING, null, "shard " + shardId() + ": " + what
                            + " are not acknowledged by the sync set after "
                            + TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms; retry", state);
                }
                waitNanos(left);
            }
        }
    }

    private boolean pendingAtOrBelow(long ts) {
        long low = lowestPendingTs;
        return low != Long.MAX_VALUE && low <= ts;
    }

    /** Entries above the commit point are pending again (a follower becoming primary keeps them so). */
    private void resetPendingFromLogLocked() {
        synchronized (commitMonitor) {
            pending.clear();
            for (long lsn = Math.max(commitLsn + 1, firstLsn); lsn <= lastLsn; lsn++) {
                byte[] b = logMap.get(lsn);
                long pts = b == null ? Long.MAX_VALUE : pendingTs(parseEntry(b));
                if (pts != Long.MAX_VALUE) {
                    pending.addLast(new long[] {lsn, pts});
                }
            }
            recomputeLowestPending();
        }
    }

    // ----------------------------------------------------------------------------------- the log

    /** Appends an applied entry to the log and the epoch history (under the write lock). */
    private void appendLocked(LogEntry entry) {
        long lsn = entry.getLsn();
        logMap.put(lsn, entry.toByteArray());
        if (epochs.isEmpty() || epochs.get(epochs.size() - 1).getEpoch() != entry.getEpoch()) {
            epochs.add(EpochStart.newBuilder().setEpoch(entry.getEpoch()).setStartLsn(lsn).build());
            meta.put(META_EPOCHS, encodeEpochs(epochs));
        }
        lastLsn = lsn; // not persisted per entry: on open it is the log's last key
    }

    /**
     * A new primary records that entries from lastLsn + 1 on carry {@code epoch}; entries above its
     * commit point are pending until its sync set acknowledged them.
     */
    public void beginEpoch(long epoch) {
        writeLock.lock();
        try {
            if (epochs.isEmpty() || epochs.get(epochs.size() - 1).getEpoch() < epoch) {
                epochs.add(EpochStart.newBuilder().setEpoch(epoch).setStartLsn(lastLsn + 1).build());
                meta.put(META_EPOCHS, encodeEpochs(epochs));
            }
            inheritedLsn = lastLsn;
            resetPendingFromLogLocked();
        } finally {
            writeLock.unlock();
        }
        groupCommit.flush();
    }

    private long epochOfLocked(long lsn) {
        long e = 0;
        for (EpochStart s : epochs) {
            if (s.getStartLsn() <= lsn) {
                e = s.getEpoch();
            }
        }
        return lsn == 0 ? 0 : e;
    }

    /**
     * The primary's truncation point for a follower whose log ends at (followerLastLsn, followerLastEpoch):
     * its entries above the end of that epoch in this replica's history were never acknowledged.
     */
    public long truncationPoint(long followerLastLsn, long followerLastEpoch) {
        writeLock.lock();
        try {
            long end = lastLsn;
            for (EpochStart s : epochs) {
                if (s.getEpoch() > followerLastEpoch) {
                    end = s.getStartLsn() - 1;
                    break;
                }
            }
            return Math.max(0, Math.min(followerLastLsn, end));
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Log entries from {@code fromLsn} on, up to {@code maxBytes} (at least one when there is one);
     * null when {@code fromLsn} is no longer retained (the follower needs a snapshot).
     */
    public List<LogEntry> entries(long fromLsn, int maxBytes) {
        long last = lastLsn;
        if (fromLsn < firstLsn) {
            return null;
        }
        List<LogEntry> out = new ArrayList<>();
        int bytes = 0;
        for (long lsn = fromLsn; lsn <= last && (out.isEmpty() || bytes < maxBytes); lsn++) {
            byte[] b = logMap.get(lsn);
            if (b == null) {
                return out.isEmpty() ? null : out; // trimmed or truncated meanwhile
            }
            out.add(parseEntry(b));
            bytes += b.length;
        }
        return out;
    }

    public long lastLsn() {
        return lastLsn;
    }

    private static LogEntry parseEntry(byte[] b) {
        try {
            return LogEntry.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt log entry", e);
        }
    }

    /**
     * Drops log entries so that at most {@code retain} remain, a bounded amount per call (the write
     * lock is held meanwhile); returns whether more are left to drop.
     */
    public boolean trimLog(long retain) {
        if (lastLsn - retain < firstLsn) {
            return false;
        }
        writeLock.lock();
        try {
            long upTo = Math.min(lastLsn - retain, firstLsn + TRIM_BATCH - 1); // drop [firstLsn, upTo]
            if (upTo < firstLsn) {
                return false;
            }
            for (long lsn = firstLsn; lsn <= upTo; lsn++) {
                logMap.remove(lsn);
            }
            firstLsn = upTo + 1;
            meta.put(META_FIRST_LSN, longBytes(firstLsn));
            log.debug("shard {}: trimmed the log below lsn {}", shardId(), firstLsn);
            return lastLsn - retain >= firstLsn;
        } finally {
            writeLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------ follower side

    /** Why a follower refused entries; the replication layer maps it onto the Append status. */
    public static final class LogMismatch extends RuntimeException {
        private final boolean snapshotNeeded;

        public LogMismatch(String message, boolean snapshotNeeded) {
            super(message, null, false, false);
            this.snapshotNeeded = snapshotNeeded;
        }

        /** The log cannot be reconciled entry by entry (the entries to undo were trimmed). */
        public boolean snapshotNeeded() {
            return snapshotNeeded;
        }
    }

    /**
     * Follower: drops entries above {@code truncateTo} (when >= 0), then applies {@code entries} (which
     * must continue the log; ones already present are skipped) without validation, records their
     * writes for deduplication, and returns once they are durable as the node's durability asks.
     */
    public Positions appendEntries(long truncateTo, List<LogEntry> entries, long primaryCommitLsn) {
        long ticket = -1;
        long last;
        writeLock.lock();
        try {
            if (truncateTo >= 0 && truncateTo < lastLsn) {
                truncateLocked(truncateTo);
            }
            TableLayout l = layout;
            if (installMarked && lastLsn == 0 && !entries.isEmpty() && entries.get(0).getLsn() == 1) {
                meta.remove(META_INSTALLING); // an aborted snapshot: the whole log is replayed instead
                installMarked = false;
            }
            for (LogEntry e : entries) {
                if (e.getLsn() <= lastLsn) {
                    continue; // a resend of what we have
                }
                if (e.getLsn() != lastLsn + 1) {
                    throw new LogMismatch("entry " + e.getLsn() + " does not follow lsn " + lastLsn, false);
                }
                long pts = pendingTs(e);
                if (pts != Long.MAX_VALUE) {
                    addPending(e.getLsn(), pts);
                }
                applyResolved(l, e);
                appendLocked(e);
                if (!e.getClientId().isEmpty()) {
                    recentWrites.put(e.getClientId(), new AppliedWrite(e.getSeq(), e.getApplied(), 0, e.getLsn(),
                            e.getCommitTs()));
                }
            }
            last = lastLsn;
            long known = Math.min(primaryCommitLsn, last);
            if (!entries.isEmpty()) {
                meta.put(META_COMMIT_LSN, longBytes(known));
                ticket = groupCommit.applied();
            }
        } finally {
            writeLock.unlock();
        }
        if (ticket > 0) {
            groupCommit.awaitDurable(ticket);
            if (last > durableLsn) {
                synchronized (commitMonitor) {
                    durableLsn = Math.max(durableLsn, last);
                }
            }
        }
        long target = Math.min(primaryCommitLsn, last);
        if (target > commitLsn) {
            advanceCommit(target);
        }
        return positions();
    }

    private void applyResolved(TableLayout l, LogEntry e) {
        long ts = e.getCommitTs();
        boolean indexed = !l.indexes().isEmpty();
        for (RowChange c : e.getChangesList()) {
            byte[] pk = c.getPk().toByteArray();
            byte[] value = c.getValue().toByteArray();
            if (indexed && value[0] == VersionedKeys.LIVE) {
                Object[] row = decodeRow(l, value);
                for (TableLayout.Index idx : l.indexes().values()) {
                    index.put(VersionedKeys.indexKey(idx.id(), TableLayout.indexTuple(idx, row), pk), VersionedKeys.EMPTY);
                }
            }
            rows.put(VersionedKeys.rowKey(pk, ts), value);
        }
        // records before locks: a reader that no longer sees its rolled-back lock sees the abort record
        for (TxnRecord t : e.getTxnRecordsList()) {
            txnRecords.put(t);
        }
        // locks after versions: a reader that no longer sees a committed lock sees its versions
        for (LockChange c : e.getLocksList()) {
            byte[] pk = c.getPk().toByteArray();
            if (!c.hasLock()) {
                locks.remove(pk);
                continue;
            }
            Lock lock = c.getLock();
            if (indexed && lock.getKind() == Lock.Kind.PUT) {
                Object[] row = l.rowCodec().decode(lock.getRow().toByteArray());
                for (TableLayout.Index idx : l.indexes().values()) {
                    index.put(VersionedKeys.indexKey(idx.id(), TableLayout.indexTuple(idx, row), pk), VersionedKeys.EMPTY);
                }
            }
            locks.put(pk, lock);
        }
        if (ts > 0) {
            noteApplied(ts);
        }
    }

    private void noteApplied(long ts) {
        if (ts > appliedTs) {
            appliedTs = ts;
            meta.put(META_APPLIED_TS, longBytes(ts));
        }
    }

    /** Follower: drops every entry above {@code lsn}, undoing its row versions. */
    public void truncateTo(long lsn) {
        writeLock.lock();
        try {
            truncateLocked(lsn);
        } finally {
            writeLock.unlock();
        }
        groupCommit.flush();
    }

    private void truncateLocked(long to) {
        if (to >= lastLsn) {
            return;
        }
        if (to < firstLsn - 1) {
            throw new LogMismatch("cannot undo entries down to lsn " + to + ": the log starts at " + firstLsn, true);
        }
        long from = lastLsn;
        for (long lsn = lastLsn; lsn > to; lsn--) {
            byte[] b = logMap.remove(lsn);
            if (b == null) {
                continue;
            }
            LogEntry e = parseEntry(b);
            for (RowChange c : e.getChangesList()) {
                rows.remove(VersionedKeys.rowKey(c.getPk().toByteArray(), e.getCommitTs()));
            }
            for (int i = e.getLocksCount() - 1; i >= 0; i--) {
                LockChange c = e.getLocks(i);
                byte[] pk = c.getPk().toByteArray();
                if (c.hasPrevious()) {
                    locks.put(pk, c.getPrevious());
                } else {
                    locks.remove(pk);
                }
            }
            for (TxnRecord t : e.getTxnRecordsList()) {
                txnRecords.remove(t);
            }
        }
        epochs.removeIf(s -> s.getStartLsn() > to);
        meta.put(META_EPOCHS, encodeEpochs(epochs));
        lastLsn = to;
        recentWrites.values().removeIf(w -> w.lsn() > to);
        synchronized (commitMonitor) {
            pending.removeIf(p -> p[0] > to);
            recomputeLowestPending();
            durableLsn = Math.min(durableLsn, to);
            meta.put(META_COMMIT_LSN, longBytes(Math.min(commitLsn, to)));
            // commitLsn never exceeds an entry the sync set acknowledged, so it stays <= to
        }
        log.info("shard {}: truncated the log from lsn {} to {}", shardId(), from, to);
    }

    // ---------------------------------------------------------------------------------- snapshots

    /**
     * A consistent copy of the replica at {@code lsn}: cursors see the maps as of their creation. The
     * store keeps the chunks they read until {@link #close()}. {@code gcSafePoint}: the follower adopts
     * it, since versions below it may be missing from the copy.
     */
    public record Snapshot(Cursor<byte[], byte[]> rows, Cursor<byte[], byte[]> index, Cursor<byte[], byte[]> locks,
            Cursor<byte[], byte[]> txnRecords, long lsn, List<EpochStart> epochs, TableSchema schema, long gcSafePoint,
            Runnable release)
            implements AutoCloseable {
        @Override
        public void close() {
            release.run();
        }
    }

    /** Opens cursors over rows and index under the write lock, together with the lsn they reflect. */
    public Snapshot openSnapshot() {
        writeLock.lock();
        try {
            MVStore.TxCounter pin = store.registerVersionUsage();
            openSnapshots.incrementAndGet();
            java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable release = () -> {
                if (released.compareAndSet(false, true)) {
                    openSnapshots.decrementAndGet();
                    if (!store.isClosed()) {
                        store.deregisterVersionUsage(pin);
                    }
                }
            };
            return new Snapshot(rows.cursor(null), index.cursor(null), locks.cursor(null), txnRecords.map().cursor(null),
                    lastLsn, List.copyOf(epochs), layout.schema(), gcHorizon.safePoint(), release);
        } finally {
            writeLock.unlock();
        }
    }

    /** Follower: starts replacing the replica with a snapshot (empties it; Appends are refused meanwhile). */
    public void beginSnapshot(TableSchema schema) {
        writeLock.lock();
        try {
            installing = true;
            installMarked = true;
            meta.put(META_INSTALLING, VersionedKeys.EMPTY);
            clearLocked();
            if (schema != null && schema.getTableId() == layout.schema().getTableId()) {
                layout = new TableLayout(schema);
                meta.put(META_SCHEMA, schema.toByteArray());
            }
        } finally {
            writeLock.unlock();
        }
        groupCommit.flush();
    }

    private void clearLocked() {
        rows.clear();
        index.clear();
        locks.clear();
        txnRecords.clear();
        logMap.clear();
        epochs.clear();
        recentWrites.clear();
        lastLsn = 0;
        firstLsn = 1;
        appliedTs = 0;
        meta.put(META_EPOCHS, encodeEpochs(epochs));
        meta.put(META_FIRST_LSN, longBytes(1));
        meta.put(META_APPLIED_TS, longBytes(0));
        meta.put(META_COMMIT_LSN, longBytes(0));
        synchronized (commitMonitor) {
            pending.clear();
            lowestPendingTs = Long.MAX_VALUE;
            commitLsn = 0;
            durableLsn = 0;
            committedTs = 0;
        }
    }

    /** Follower: adds one chunk of a snapshot. */
    public void installChunk(List<ByteString> rowKeys, List<ByteString> rowValues, List<ByteString> indexKeys) {
        installChunk(rowKeys, rowValues, indexKeys, List.of(), List.of(), List.of(), List.of());
    }

    /** Follower: adds one chunk of a snapshot, with locks and transaction records. */
    public void installChunk(List<ByteString> rowKeys, List<ByteString> rowValues, List<ByteString> indexKeys,
            List<ByteString> lockKeys, List<ByteString> lockValues, List<ByteString> txnKeys, List<ByteString> txnValues) {
        writeLock.lock();
        try {
            long maxTs = appliedTs;
            for (int i = 0; i < rowKeys.size(); i++) {
                byte[] k = rowKeys.get(i).toByteArray();
                rows.put(k, rowValues.get(i).toByteArray());
                maxTs = Math.max(maxTs, VersionedKeys.tsOf(k));
            }
            for (ByteString k : indexKeys) {
                index.put(k.toByteArray(), VersionedKeys.EMPTY);
            }
            for (int i = 0; i < lockKeys.size(); i++) {
                locks.putRaw(lockKeys.get(i).toByteArray(), lockValues.get(i).toByteArray());
            }
            for (int i = 0; i < txnKeys.size(); i++) {
                txnRecords.putRaw(txnKeys.get(i).toByteArray(), txnValues.get(i).toByteArray());
            }
            appliedTs = maxTs;
            // keeps memory bounded by one chunk; a crash before finishSnapshot leaves the replica
            // marked as installing, so it is emptied and fetched again
            store.commit();
        } finally {
            writeLock.unlock();
        }
    }

    /** Follower: the snapshot is complete; the log continues after {@code lsn}. Commits and syncs. */
    public void finishSnapshot(long lsn, List<EpochStart> history) {
        writeLock.lock();
        try {
            lastLsn = lsn;
            firstLsn = lsn + 1;
            epochs.clear();
            epochs.addAll(history);
            meta.put(META_EPOCHS, encodeEpochs(epochs));
            meta.put(META_FIRST_LSN, longBytes(firstLsn));
            meta.put(META_APPLIED_TS, longBytes(appliedTs));
            meta.remove(META_INSTALLING);
            installMarked = false;
            meta.put(META_COMMIT_LSN, longBytes(lsn));
            locks.rebuildIndex();
            synchronized (commitMonitor) {
                durableLsn = lsn;
                commitLsn = lsn;
                committedTs = appliedTs;
            }
        } finally {
            writeLock.unlock();
        }
        groupCommit.flush();
        installing = false;
        log.info("shard {}: installed a snapshot at lsn {} ({} row versions, {} index entries, {} locks)", shardId(), lsn,
                rows.sizeAsLong(), index.sizeAsLong(), locks.size());
    }

    /** Follower: a snapshot transfer failed; the replica stays empty and asks again. */
    public void abortSnapshot() {
        installing = false;
    }

    /** The new state of each key a batch touches: a row, or null for a delete. */
    private static final class WriteBatch {
        final Map<ByteBuffer, Object[]> changes = new LinkedHashMap<>();
        long applied;
    }

    private WriteBatch validate(TableLayout l, long commitTs, long readTs, List<Mutation> mutations) {
        WriteBatch batch = new WriteBatch();
        Map<ByteBuffer, Boolean> storedLive = new HashMap<>();
        for (Mutation m : mutations) {
            byte[] pk;
            Object[] row = null;
            if (m.getKind() == Mutation.Kind.DELETE) {
                Object[] key = decode(l.pkCodec(), m.getRow().toByteArray(), "key");
                pk = l.pkOfKey(key);
            } else {
                row = decode(l.rowCodec(), m.getRow().toByteArray(), "row");
                checkNotNull(l, row);
                pk = l.pkOfRow(row);
            }
            ByteBuffer k = ByteBuffer.wrap(pk);
            if (!locks.isEmpty()) {
                Lock lock = locks.get(pk);
                if (lock != null) {
                    throw locked(l, pk, lock);
                }
            }
            boolean live;
            if (batch.changes.containsKey(k)) {
                live = batch.changes.get(k) != null;
            } else {
                Boolean s = storedLive.get(k);
                if (s == null) {
                    s = checkNoConflictAndGetLive(l, pk, commitTs, readTs);
                    storedLive.put(k, s);
                }
                live = s;
            }
            switch (m.getKind()) {
                case INSERT:
                    if (live) {
                        throw new ShardException(Error.Code.DUPLICATE_KEY, "23505", "duplicate key " + describeKey(l, pk)
                                + " violates the primary key of table " + l.tableName());
                    }
                    batch.changes.put(k, row);
                    batch.applied++;
                    break;
                case UPSERT:
                    batch.changes.put(k, row);
                    batch.applied++;
                    break;
                case UPDATE:
                    if (live) {
                        batch.changes.put(k, row);
                        batch.applied++;
                    }
                    break;
                case DELETE:
                    if (live) {
                        batch.changes.put(k, null);
                        batch.applied++;
                    }
                    break;
                default:
                    throw ShardException.badRequest("22000", "unknown mutation kind " + m.getKind());
            }
        }
        checkUniqueIndexes(l, batch);
        return batch;
    }

    static Object[] decode(io.tessera.protocol.codec.RowCodec codec, byte[] bytes, String what) {
        try {
            return codec.decode(bytes);
        } catch (RuntimeException e) {
            throw ShardException.badRequest("22000", "malformed " + what + " in mutation: " + e);
        }
    }

    static void checkNotNull(TableLayout l, Object[] row) {
        List<ColumnDef> cols = l.schema().getColumnsList();
        for (int i = 0; i < row.length; i++) {
            if (row[i] == null && !cols.get(i).getNullable()) {
                throw new ShardException(Error.Code.CONSTRAINT, "23502", "NULL value in column "
                        + cols.get(i).getName() + " of table " + l.tableName() + " violates its NOT NULL constraint");
            }
        }
        for (int c : l.pkColumns()) {
            if (row[c] == null) {
                throw new ShardException(Error.Code.CONSTRAINT, "23502", "NULL value in primary key column "
                        + cols.get(c).getName() + " of table " + l.tableName());
            }
        }
    }

    /**
     * Fails with WRITE_CONFLICT when the newest version of pk is not older than commitTs, or (readTs >
     * 0) newer than the snapshot the statement read pk at: it would overwrite a change it did not see.
     */
    private boolean checkNoConflictAndGetLive(TableLayout l, byte[] pk, long commitTs, long readTs) {
        Cursor<byte[], byte[]> c = rows.cursor(pk);
        if (!c.hasNext()) {
            return false;
        }
        byte[] key = c.next();
        if (!VersionedKeys.isVersionOf(key, pk)) {
            return false;
        }
        long ts = VersionedKeys.tsOf(key);
        if (ts >= commitTs) {
            throw new ShardException(Error.Code.WRITE_CONFLICT, "40001", "write conflict on key " + describeKey(l, pk)
                    + " of table " + l.tableName() + ": a version at ts " + ts + " >= commit ts " + commitTs + " exists");
        }
        if (readTs > 0 && ts > readTs) {
            throw new ShardException(Error.Code.WRITE_CONFLICT, "40001", "write conflict on key " + describeKey(l, pk)
                    + " of table " + l.tableName() + ": it changed at ts " + ts + " after the statement read it at ts "
                    + readTs);
        }
        return c.getValue()[0] == VersionedKeys.LIVE;
    }

    Object[] newestLiveRow(TableLayout l, byte[] pk) {
        byte[] v = versionAt(pk, Long.MAX_VALUE);
        return v == null || v[0] != VersionedKeys.LIVE ? null : decodeRow(l, v);
    }

    /** Checks that after the batch no two live rows share a non-null value of a unique index. */
    private void checkUniqueIndexes(TableLayout l, WriteBatch batch) {
        for (TableLayout.Index idx : l.uniqueIndexes()) {
            Map<ByteBuffer, ByteBuffer> owners = new HashMap<>();
            for (Map.Entry<ByteBuffer, Object[]> e : batch.changes.entrySet()) {
                Object[] row = e.getValue();
                if (row == null || TableLayout.hasNull(idx, row)) {
                    continue;
                }
                byte[] tuple = TableLayout.indexTuple(idx, row);
                ByteBuffer prev = owners.putIfAbsent(ByteBuffer.wrap(tuple), e.getKey());
                if (prev != null) {
                    throw uniqueViolation(l, idx, row);
                }
                byte[] prefix = VersionedKeys.indexPrefix(idx.id(), tuple);
                Cursor<byte[], byte[]> c = index.cursor(prefix);
                while (c.hasNext()) {
                    byte[] key = c.next();
                    if (!VersionedKeys.startsWith(key, prefix)) {
                        break;
                    }
                    ByteBuffer other = ByteBuffer.wrap(key, prefix.length, key.length - prefix.length).slice();
                    if (other.equals(e.getKey()) || batch.changes.containsKey(other)) {
                        continue; // this row itself, or a row whose new state the batch map covers
                    }
                    byte[] otherPk = Arrays.copyOfRange(key, prefix.length, key.length);
                    Lock lock = locks.isEmpty() ? null : locks.get(otherPk);
                    if (lock != null && lock.getKind() == Lock.Kind.PUT && Arrays.equals(tuple,
                            TableLayout.indexTuple(idx, l.rowCodec().decode(lock.getRow().toByteArray())))) {
                        throw locked(l, otherPk, lock); // its insert may commit: resolve it first
                    }
                    Object[] otherRow = newestLiveRow(l, otherPk);
                    if (otherRow != null && Arrays.equals(TableLayout.indexTuple(idx, otherRow), tuple)) {
                        if (lock != null && lock.getKind() != Lock.Kind.LOCK) {
                            throw locked(l, otherPk, lock); // it may change or delete that row
                        }
                        throw uniqueViolation(l, idx, row);
                    }
                }
            }
        }
    }

    /** LOCKED, naming the lock (with its key and table) so that the caller can resolve it. */
    static ShardException locked(TableLayout l, byte[] pk, Lock lock) {
        return ShardException.locked(lock.toBuilder().setPk(UnsafeByteOperations.unsafeWrap(pk))
                .setTableId(l.schema().getTableId()).build(), "key " + describeKey(l, pk) + " of table " + l.tableName()
                + " is locked by transaction " + lock.getStartTs() + " (primary on shard " + lock.getPrimary().getShardId() + ")");
    }

    static ShardException uniqueViolation(TableLayout l, TableLayout.Index idx, Object[] row) {
        StringBuilder vals = new StringBuilder("(");
        for (int i = 0; i < idx.columns().length; i++) {
            vals.append(i == 0 ? "" : ", ").append(l.columnName(idx.columns()[i])).append('=')
                    .append(show(row[idx.columns()[i]]));
        }
        return new ShardException(Error.Code.DUPLICATE_KEY, "23505", "duplicate value " + vals
                + ") violates unique index " + idx.name() + " of table " + l.tableName());
    }

    static String describeKey(TableLayout l, byte[] pk) {
        Object[] vals = KeyCodec.decodeTuple(l.pkTypes(), pk, 0);
        int[] cols = l.pkColumns();
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < vals.length; i++) {
            b.append(i == 0 ? "" : ", ").append(l.columnName(cols[i])).append('=').append(show(vals[i]));
        }
        return b.append(')').toString();
    }

    private static String show(Object v) {
        if (v instanceof byte[]) {
            return "X'" + com.google.common.io.BaseEncoding.base16().encode((byte[]) v) + "'";
        }
        return v instanceof String ? "'" + v + "'" : String.valueOf(v);
    }

    /** Applies a validated batch and records each key's stored value in the resolved entry. */
    private void apply(TableLayout l, WriteBatch batch, long commitTs, LogEntry.Builder entry) {
        ByteWriter out = new ByteWriter(256);
        for (Map.Entry<ByteBuffer, Object[]> e : batch.changes.entrySet()) {
            byte[] pk = e.getKey().array();
            Object[] row = e.getValue();
            out.reset();
            if (row == null) {
                out.put(VersionedKeys.TOMBSTONE);
            } else {
                out.put(VersionedKeys.LIVE);
                l.rowCodec().encode(out, row);
                for (TableLayout.Index idx : l.indexes().values()) {
                    index.put(VersionedKeys.indexKey(idx.id(), TableLayout.indexTuple(idx, row), pk), VersionedKeys.EMPTY);
                }
            }
            byte[] value = out.toByteArray();
            rows.put(VersionedKeys.rowKey(pk, commitTs), value);
            entry.addChanges(RowChange.newBuilder().setPk(UnsafeByteOperations.unsafeWrap(pk))
                    .setValue(UnsafeByteOperations.unsafeWrap(value)));
        }
        noteApplied(commitTs);
    }

    // ------------------------------------------------------------------------------------- schema

    /**
     * Installs a newer schema version: builds the entries of new indexes from the rows (failing with
     * DUPLICATE_KEY, and changing nothing, when a new unique index does not hold) and deletes the
     * entries of dropped ones. The same version again is a no-op.
     */
    public void updateSchema(TableSchema next) {
        writeLock.lock();
        try {
            TableLayout cur = layout;
            if (next.getTableId() != cur.schema().getTableId()) {
                throw ShardException.badRequest("42000", "shard " + shardId() + " holds table " + cur.schema().getTableId()
                        + ", not " + next.getTableId());
            }
            if (next.getVersion() == cur.version()) {
                return;
            }
            if (!next.getPrimaryKeyList().equals(cur.schema().getPrimaryKeyList())) {
                throw ShardException.unsupported("changing the primary key of table " + cur.tableName() + " is not supported");
            }
            if (next.getVersion() < cur.version()) {
                throw new ShardException(Error.Code.SCHEMA_MISMATCH, null, "shard " + shardId() + " has schema version "
                        + cur.version() + ", newer than " + next.getVersion());
            }
            TableLayout nl = new TableLayout(next);
            List<TableLayout.Index> added = new ArrayList<>();
            List<Integer> dropped = new ArrayList<>();
            for (TableLayout.Index i : nl.indexes().values()) {
                TableLayout.Index old = cur.index(i.id());
                if (old == null || !Arrays.equals(old.columns(), i.columns()) || old.unique() != i.unique()) {
                    added.add(i);
                }
            }
            for (TableLayout.Index i : cur.indexes().values()) {
                TableLayout.Index now = nl.index(i.id());
                if (now == null || added.stream().anyMatch(a -> a.id() == i.id())) {
                    dropped.add(i.id());
                }
            }
            for (int id : dropped) {
                deleteIndexEntries(id);
            }
            if (!added.isEmpty()) {
                try {
                    buildIndexes(nl, added);
                } catch (RuntimeException e) {
                    for (TableLayout.Index i : added) {
                        deleteIndexEntries(i.id());
                    }
                    // restore the entries of indexes that were redefined (dropped above)
                    List<TableLayout.Index> restore = new ArrayList<>();
                    for (int id : dropped) {
                        if (cur.index(id) != null) {
                            restore.add(cur.index(id));
                        }
                    }
                    if (!restore.isEmpty()) {
                        buildIndexes(cur, restore);
                    }
                    throw e;
                }
            }
            meta.put(META_SCHEMA, next.toByteArray());
            layout = nl;
            log.info("shard {} table {}: schema version {} -> {}, built indexes {}, dropped {}", shardId(),
                    nl.tableName(), cur.version(), next.getVersion(), added.stream().map(TableLayout.Index::name).toList(), dropped);
        } finally {
            writeLock.unlock();
        }
        groupCommit.flush();
    }

    /** Adds entries for every live row version (so snapshot reads see them); checks uniqueness on the newest. */
    private void buildIndexes(TableLayout l, List<TableLayout.Index> build) {
        Map<Integer, Set<ByteBuffer>> seen = new HashMap<>();
        for (TableLayout.Index i : build) {
            if (i.unique()) {
                seen.put(i.id(), new HashSet<>());
            }
        }
        Cursor<byte[], byte[]> c = rows.cursor(null);
        byte[] prev = null;
        long entries = 0;
        while (c.hasNext()) {
            byte[] key = c.next();
            boolean newest = prev == null || !VersionedKeys.samePk(key, prev);
            prev = key;
            byte[] v = c.getValue();
            if (v[0] != VersionedKeys.LIVE) {
                continue;
            }
            Object[] row = decodeRow(l, v);
            byte[] pk = VersionedKeys.pkOf(key);
            for (TableLayout.Index i : build) {
                byte[] tuple = TableLayout.indexTuple(i, row);
                if (newest && i.unique() && !TableLayout.hasNull(i, row) && !seen.get(i.id()).add(ByteBuffer.wrap(tuple))) {
                    throw uniqueViolation(l, i, row);
                }
                index.put(VersionedKeys.indexKey(i.id(), tuple, pk), VersionedKeys.EMPTY);
                if (++entries % INDEX_BUILD_COMMIT_ENTRIES == 0) {
                    store.commit(); // bounded memory; entries of an index the schema lacks are never read
                }
            }
        }
        log.debug("shard {}: built {} index entries", shardId(), entries);
    }

    private void deleteIndexEntries(int indexId) {
        byte[] prefix = VersionedKeys.indexPrefix(indexId, VersionedKeys.EMPTY);
        List<byte[]> doomed = new ArrayList<>();
        Cursor<byte[], byte[]> c = index.cursor(prefix);
        while (c.hasNext()) {
            byte[] key = c.next();
            if (!VersionedKeys.startsWith(key, prefix)) {
                break;
            }
            doomed.add(key);
        }
        for (byte[] k : doomed) {
            index.remove(k);
        }
    }

    // -------------------------------------------------------------------------------- lifecycle

    /** Commits and syncs pending changes (e.g. the background sync of {@link Durability#MEMORY}). */
    public void sync() {
        if (store.isPersistent() && !store.isClosed()) {
            store.sync();
        }
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (!store.isClosed()) {
                store.close(); // commits what is pending
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Closes the replica and deletes its file. */
    void delete() throws java.io.IOException {
        writeLock.lock();
        try {
            if (!store.isClosed()) {
                store.closeImmediately();
            }
        } finally {
            writeLock.unlock();
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private long metaLong(byte[] key, long absent) {
        byte[] b = meta.get(key);
        return b == null ? absent : ByteBuffer.wrap(b).getLong();
    }

    private static byte[] encodeEpochs(List<EpochStart> history) {
        ByteBuffer b = ByteBuffer.allocate(16 * history.size());
        for (EpochStart s : history) {
            b.putLong(s.getEpoch()).putLong(s.getStartLsn());
        }
        return b.array();
    }

    private static List<EpochStart> decodeEpochs(byte[] bytes) {
        List<EpochStart> out = new ArrayList<>();
        if (bytes != null) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.remaining() >= 16) {
                out.add(EpochStart.newBuilder().setEpoch(b.getLong()).setStartLsn(b.getLong()).build());
            }
        }
        return out;
    }
}
