package io.tessera.node.storage;

import io.tessera.node.ShardException;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.time.Timestamps;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * A replica's garbage-collection safe point (docs/transactions.md, "Garbage collection"): reads at
 * a timestamp below it are refused with SNAPSHOT_TOO_OLD, and so are new transactions' writes below
 * it, because the versions such a read needs may already be collected. It is kept in the replica's
 * {@code meta} map (it survives a restart), travels with snapshots, and is only ever raised.
 *
 * <p>It also keeps the reads in progress ({@link #admitRead}), so that the collector's horizon stays
 * at or below every read admitted before the safe point rose, and the transaction-record horizon:
 * records of transactions that started below it are removed (the coordinator resolved their locks).
 */
public final class GcHorizon {
    private static final byte[] META_SAFE_POINT = "gcSafePoint".getBytes(StandardCharsets.UTF_8);
    private static final byte[] META_TXN_RECORDS_BELOW = "gcTxnRecordsBelow".getBytes(StandardCharsets.UTF_8);

    private final LongSupplier shardId;
    private final MVMap<byte[], byte[]> meta;
    private final ActiveReads reads = new ActiveReads();
    private volatile long safePoint;
    private volatile long txnRecordsBelow;

    GcHorizon(LongSupplier shardId, MVMap<byte[], byte[]> meta) {
        this.shardId = shardId;
        this.meta = meta;
        this.safePoint = load(META_SAFE_POINT);
        this.txnRecordsBelow = load(META_TXN_RECORDS_BELOW);
    }

    private long load(byte[] key) {
        byte[] b = meta.get(key);
        return b == null ? 0 : ByteBuffer.wrap(b).getLong();
    }

    /** Reads below this timestamp are refused; 0 = nothing was collected yet. */
    public long safePoint() {
        return safePoint;
    }

    /** Transaction records of transactions with start_ts below this are removed. */
    public long txnRecordsBelow() {
        return txnRecordsBelow;
    }

    /**
     * Under the replica's write lock: raises the safe point and the record horizon (which never
     * passes the safe point); lower values are ignored. Returns whether anything changed (the caller
     * then commits the store).
     */
    boolean raise(long newSafePoint, long newTxnRecordsBelow) {
        boolean changed = false;
        if (newSafePoint > safePoint) {
            meta.put(META_SAFE_POINT, ByteBuffer.allocate(8).putLong(newSafePoint).array());
            safePoint = newSafePoint;
            changed = true;
        }
        long below = Math.min(newTxnRecordsBelow, safePoint);
        if (below > txnRecordsBelow) {
            meta.put(META_TXN_RECORDS_BELOW, ByteBuffer.allocate(8).putLong(below).array());
            txnRecordsBelow = below;
            changed = true;
        }
        return changed;
    }

    /** SNAPSHOT_TOO_OLD (72000) when {@code requestedTs} (0 = the latest state, always fine) is below the safe point. */
    public void checkReadable(long requestedTs) {
        long sp = safePoint;
        if (requestedTs > 0 && requestedTs < sp) {
            throw new ShardException(Error.Code.SNAPSHOT_TOO_OLD, "72000", "shard " + shardId.getAsLong() + ": snapshot "
                    + requestedTs + " (" + instant(requestedTs) + ") is older than the GC safe point " + sp + " ("
                    + instant(sp) + "); versions older than the GC window may be gone");
        }
    }

    /**
     * A read asked for {@code requestedTs} and reads at {@code resolvedTs}: noted as in progress
     * (first, so that a collector that misses it has read a safe point that refuses it here), then
     * checked against the safe point; its store version stays registered, so the chunks its cursors
     * read are not freed meanwhile. Run the returned action (idempotent) when the read is over.
     */
    public Runnable admitRead(long requestedTs, long resolvedTs) {
        Runnable inProgress = reads.begin(resolvedTs);
        // MVStore frees a dead chunk once no registered version and none of the last few commits uses
        // it, whatever its retention time: a read that outlives a few commits must register the
        // version its cursors start from, or it can meet a freed chunk ("Chunk n not found").
        MVStore store = meta.getStore();
        MVStore.TxCounter pin = store.registerVersionUsage();
        AtomicBoolean ended = new AtomicBoolean();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                inProgress.run();
                if (!store.isClosed()) {
                    store.deregisterVersionUsage(pin);
                }
            }
        };
        try {
            checkReadable(requestedTs);
        } catch (ShardException e) {
            end.run();
            throw e;
        }
        return end;
    }

    /** TXN_ABORTED (40001) for a transaction that started below the safe point: older than the GC window. */
    void checkTxnStart(long startTs, String what) {
        long sp = safePoint;
        if (startTs < sp) {
            throw ShardException.txnAborted("shard " + shardId.getAsLong() + ": " + what + " of transaction " + startTs + " ("
                    + instant(startTs) + ") refused: it started before the GC safe point " + sp + " (" + instant(sp)
                    + "), i.e. it is older than the GC window, and is aborted");
        }
    }

    /** The timestamp of the oldest read in progress ({@link Long#MAX_VALUE}: none). */
    long oldestActiveRead() {
        return reads.oldest();
    }

    private static Instant instant(long ts) {
        return Instant.ofEpochMilli(Timestamps.millisOf(ts));
    }
}
