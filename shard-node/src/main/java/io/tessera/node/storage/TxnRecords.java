package io.tessera.node.storage;

import io.tessera.protocol.proto.TxnRecord;
import java.nio.ByteBuffer;
import org.h2.mvstore.MVMap;

/**
 * The replica's transaction records: the fate of each transaction whose primary key lives on this
 * shard, key = primary pk || 8-byte big-endian start_ts, value = 8-byte commit_ts (0 = rolled back).
 * A record with an empty primary pk (key = start_ts alone) is an <em>abort record</em>: locks of
 * that transaction were rolled back on this replica, so its later reads and prewrites here fail
 * (docs/transactions.md, "Abort records"). Both kinds are collected below the GC safe point.
 */
final class TxnRecords {
    /** The primary pk of an abort record. */
    static final byte[] NO_PRIMARY = {};

    private final MVMap<byte[], byte[]> map;

    TxnRecords(MVMap<byte[], byte[]> map) {
        this.map = map;
    }

    MVMap<byte[], byte[]> map() {
        return map;
    }

    static byte[] key(byte[] primaryPk, long startTs) {
        return ByteBuffer.allocate(primaryPk.length + 8).put(primaryPk).putLong(startTs).array();
    }

    /** The recorded commit_ts (0 = rolled back), or null when nothing is recorded. */
    Long get(byte[] primaryPk, long startTs) {
        byte[] v = map.get(key(primaryPk, startTs));
        return v == null ? null : ByteBuffer.wrap(v).getLong();
    }

    /** Whether an abort record says that locks of {@code startTs} were rolled back on this replica. */
    boolean rolledBackHere(long startTs) {
        return map.containsKey(key(NO_PRIMARY, startTs));
    }

    void put(TxnRecord r) {
        map.put(key(r.getPrimaryPk().toByteArray(), r.getStartTs()), ByteBuffer.allocate(8).putLong(r.getCommitTs()).array());
    }

    void remove(TxnRecord r) {
        map.remove(key(r.getPrimaryPk().toByteArray(), r.getStartTs()));
    }

    void putRaw(byte[] key, byte[] value) {
        map.put(key, value);
    }

    void clear() {
        map.clear();
    }
}
