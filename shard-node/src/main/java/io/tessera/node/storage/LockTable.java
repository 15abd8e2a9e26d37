package io.tessera.node.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tessera.protocol.proto.Lock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * The replica's {@code locks} map (encoded pk -> {@link Lock}, stored without its pk) and an
 * in-memory index start_ts -> locked pks, so that a commit or rollback finds a transaction's locks
 * without a scan. The index is rebuilt on open and after a snapshot, and kept by every change;
 * changes happen under the replica's write lock, reads (readers checking for locks) are lock-free.
 */
final class LockTable {
    private final MVMap<byte[], byte[]> map;
    private final Map<Long, Set<ByteBuffer>> byStartTs = new ConcurrentHashMap<>();

    LockTable(MVMap<byte[], byte[]> map) {
        this.map = map;
        rebuildIndex();
    }

    MVMap<byte[], byte[]> map() {
        return map;
    }

    /** True when no key is locked: readers and writers skip every lock check. */
    boolean isEmpty() {
        return map.isEmpty();
    }

    Lock get(byte[] pk) {
        byte[] v = map.get(pk);
        return v == null ? null : parse(v);
    }

    static Lock parse(byte[] v) {
        try {
            return Lock.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt lock", e);
        }
    }

    /** Places or replaces the lock of {@code pk} (under the write lock). */
    void put(byte[] pk, Lock lock) {
        byte[] old = map.put(pk, lock.getPk().isEmpty() ? lock.toByteArray() : lock.toBuilder().clearPk().build().toByteArray());
        if (old != null) {
            long oldTs = parse(old).getStartTs();
            if (oldTs != lock.getStartTs()) {
                unindex(oldTs, pk);
            }
        }
        byStartTs.computeIfAbsent(lock.getStartTs(), t -> ConcurrentHashMap.newKeySet()).add(ByteBuffer.wrap(pk));
    }

    /** Removes the lock of {@code pk}, if any (under the write lock). */
    void remove(byte[] pk) {
        byte[] old = map.remove(pk);
        if (old != null) {
            unindex(parse(old).getStartTs(), pk);
        }
    }

    private void unindex(long startTs, byte[] pk) {
        Set<ByteBuffer> keys = byStartTs.get(startTs);
        if (keys != null) {
            keys.remove(ByteBuffer.wrap(pk));
            if (keys.isEmpty()) {
                byStartTs.remove(startTs);
            }
        }
    }

    /** Whether the transaction {@code startTs} holds a lock on this replica. */
    boolean holds(long startTs) {
        return startTs > 0 && !byStartTs.isEmpty() && byStartTs.containsKey(startTs);
    }

    /** The keys locked by transaction {@code startTs}, in key order. */
    List<byte[]> keysOf(long startTs) {
        Set<ByteBuffer> keys = byStartTs.get(startTs);
        List<byte[]> out = new ArrayList<>();
        if (keys != null) {
            for (ByteBuffer k : keys) {
                out.add(k.array());
            }
        }
        out.sort(Arrays::compareUnsigned);
        return out;
    }

    /** Up to {@code limit} locks of transactions with start_ts < {@code maxStartTs}, oldest first, with their pk. */
    List<Lock> below(long maxStartTs, int limit) {
        List<Long> starts = new ArrayList<>();
        for (Long ts : byStartTs.keySet()) {
            if (ts < maxStartTs) {
                starts.add(ts);
            }
        }
        starts.sort(null);
        List<Lock> out = new ArrayList<>();
        for (long ts : starts) {
            for (byte[] pk : keysOf(ts)) {
                if (out.size() >= limit) {
                    return out;
                }
                Lock lock = get(pk);
                if (lock != null) { // removed meanwhile
                    out.add(lock.toBuilder().setPk(ByteString.copyFrom(pk)).build());
                }
            }
        }
        return out;
    }

    Cursor<byte[], byte[]> cursor(byte[] from) {
        return map.cursor(from);
    }

    /** Stores a raw entry (snapshot install); call {@link #rebuildIndex()} afterwards. */
    void putRaw(byte[] pk, byte[] lock) {
        map.put(pk, lock);
    }

    void clear() {
        map.clear();
        byStartTs.clear();
    }

    void rebuildIndex() {
        byStartTs.clear();
        Cursor<byte[], byte[]> c = map.cursor(null);
        while (c.hasNext()) {
            byte[] pk = c.next();
            byStartTs.computeIfAbsent(parse(c.getValue()).getStartTs(), t -> ConcurrentHashMap.newKeySet())
                    .add(ByteBuffer.wrap(pk));
        }
    }

    long size() {
        return map.sizeAsLong();
    }
}
