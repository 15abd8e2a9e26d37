package io.tessera.node.storage;

import com.google.common.collect.AbstractIterator;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tessera.node.ShardException;
import io.tessera.protocol.codec.ByteWriter;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard replica: an MVStore (a file, or memory) holding the versioned rows, the secondary index
 * entries and the replica's metadata (see {@link VersionedKeys} for the byte layout).
 *
 * <p>Reads are lock-free MVCC reads at a timestamp. Writes validate a whole batch, then apply it,
 * under the replica's write lock, and return once a group commit made them durable.
 */
public final class Replica implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replica.class);

    static final String ROWS = "rows";
    static final String INDEX = "index";
    static final String META = "meta";
    private static final byte[] META_SCHEMA = bytes("schema");
    private static final byte[] META_STATE = bytes("state");
    private static final byte[] META_APPLIED_TS = bytes("appliedTs");
    private static final int DEDUP_CLIENTS = 10_000;

    private final Path file;
    private final MVStore store;
    private final MVMap<byte[], byte[]> rows;
    private final MVMap<byte[], byte[]> index;
    private final MVMap<byte[], byte[]> meta;
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
    private long appliedTs; // guarded by writeLock

    private record AppliedWrite(long seq, long applied, long ticket) {}

    private Replica(Path file, MVStore store, Durability durability) {
        this.file = file;
        this.store = store;
        this.rows = openMap(store, ROWS);
        this.index = openMap(store, INDEX);
        this.meta = openMap(store, META);
        this.groupCommit = new GroupCommit(store, writeLock, durability);
    }

    private static MVMap<byte[], byte[]> openMap(MVStore store, String name) {
        // Key and value types are not stored in the file: always reopen with these.
        return store.openMap(name, new MVMap.Builder<byte[], byte[]>()
                .keyType(ByteArrayDataType.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE));
    }

    private static MVStore openStore(Path file) {
        MVStore.Builder b = new MVStore.Builder().autoCommitDisabled();
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
            byte[] ts = r.meta.get(META_APPLIED_TS);
            r.appliedTs = ts == null ? 0 : ByteBuffer.wrap(ts).getLong();
            return r;
        } catch (InvalidProtocolBufferException e) {
            store.closeImmediately();
            throw new IllegalStateException("corrupt metadata in " + file, e);
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw e;
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
        writeLock.lock();
        try {
            return appliedTs;
        } finally {
            writeLock.unlock();
        }
    }

    /** Number of stored row versions (tests, diagnostics). */
    public long versionCount() {
        return rows.sizeAsLong();
    }

    /** Number of stored index entries (tests, diagnostics). */
    public long indexEntryCount() {
        return index.sizeAsLong();
    }

    /** Installs a newer (or the same) shard state; an older epoch is refused with the current route. */
    public void adoptState(ShardState next) {
        writeLock.lock();
        try {
            ShardState cur = state;
            if (next.getEpoch() < cur.getEpoch()) {
                throw new ShardException(Error.Code.STALE_EPOCH, null, "shard " + cur.getShardId() + " is at epoch "
                        + cur.getEpoch() + ", refusing state of epoch " + next.getEpoch(), cur);
            }
            if (next.equals(cur)) {
                return;
            }
            meta.put(META_STATE, next.toByteArray());
            state = next;
        } finally {
            writeLock.unlock();
        }
        groupCommit.flush();
        log.info("shard {} adopted epoch {} primary {} replicas {}", next.getShardId(), next.getEpoch(),
                next.getPrimary(), next.getReplicasList());
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
                    Object[] row = readRow(pk, readTs);
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
     * is applied, so a failing batch leaves the replica unchanged. Returns, once durable, how many
     * mutations changed a row. A repeated {@code (clientId, seq)} returns the first outcome.
     */
    public long write(long commitTs, List<Mutation> mutations, String clientId, long seq) {
        long applied;
        long ticket;
        writeLock.lock();
        try {
            boolean dedup = clientId != null && !clientId.isEmpty();
            if (dedup) {
                AppliedWrite prev = recentWrites.get(clientId);
                if (prev != null && prev.seq() == seq) {
                    applied = prev.applied();
                    ticket = prev.ticket();
                    dedup = false;
                    log.debug("shard {}: write ({}, {}) is a retry, already applied", shardId(), clientId, seq);
                } else {
                    applied = -1;
                    ticket = -1;
                }
            } else {
                applied = -1;
                ticket = -1;
            }
            if (applied < 0) {
                WriteBatch batch = validate(layout, commitTs, mutations);
                apply(batch, commitTs);
                applied = batch.applied;
                ticket = groupCommit.applied();
                if (dedup) {
                    recentWrites.put(clientId, new AppliedWrite(seq, applied, ticket));
                }
            }
        } finally {
            writeLock.unlock();
        }
        groupCommit.awaitDurable(ticket);
        return applied;
    }

    /** The new state of each key a batch touches: a row, or null for a delete. */
    private static final class WriteBatch {
        final Map<ByteBuffer, Object[]> changes = new LinkedHashMap<>();
        long applied;
    }

    private WriteBatch validate(TableLayout l, long commitTs, List<Mutation> mutations) {
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
            boolean live;
            if (batch.changes.containsKey(k)) {
                live = batch.changes.get(k) != null;
            } else {
                Boolean s = storedLive.get(k);
                if (s == null) {
                    s = checkNoConflictAndGetLive(l, pk, commitTs);
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

    private static Object[] decode(io.tessera.protocol.codec.RowCodec codec, byte[] bytes, String what) {
        try {
            return codec.decode(bytes);
        } catch (RuntimeException e) {
            throw ShardException.badRequest("22000", "malformed " + what + " in mutation: " + e);
        }
    }

    private static void checkNotNull(TableLayout l, Object[] row) {
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

    /** Fails with WRITE_CONFLICT when the newest version of pk is not older than commitTs. */
    private boolean checkNoConflictAndGetLive(TableLayout l, byte[] pk, long commitTs) {
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
        return c.getValue()[0] == VersionedKeys.LIVE;
    }

    private Object[] newestLiveRow(TableLayout l, byte[] pk) {
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
                    Object[] otherRow = newestLiveRow(l, otherPk);
                    if (otherRow != null && Arrays.equals(TableLayout.indexTuple(idx, otherRow), tuple)) {
                        throw uniqueViolation(l, idx, row);
                    }
                }
            }
        }
    }

    private static ShardException uniqueViolation(TableLayout l, TableLayout.Index idx, Object[] row) {
        StringBuilder vals = new StringBuilder("(");
        for (int i = 0; i < idx.columns().length; i++) {
            vals.append(i == 0 ? "" : ", ").append(l.columnName(idx.columns()[i])).append('=')
                    .append(show(row[idx.columns()[i]]));
        }
        return new ShardException(Error.Code.DUPLICATE_KEY, "23505", "duplicate value " + vals
                + ") violates unique index " + idx.name() + " of table " + l.tableName());
    }

    private static String describeKey(TableLayout l, byte[] pk) {
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

    private void apply(WriteBatch batch, long commitTs) {
        TableLayout l = layout;
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
            rows.put(VersionedKeys.rowKey(pk, commitTs), out.toByteArray());
        }
        if (commitTs > appliedTs) {
            appliedTs = commitTs;
            meta.put(META_APPLIED_TS, ByteBuffer.allocate(8).putLong(commitTs).array());
        }
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
                entries++;
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
}
