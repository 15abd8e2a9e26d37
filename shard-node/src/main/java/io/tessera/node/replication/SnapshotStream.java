package io.tessera.node.replication;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.SnapshotChunk;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.mvstore.Cursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a {@link Replica.Snapshot} (rows, then index entries, locks and transaction records, then
 * the last chunk with lsn and epoch history) while the follower is ready to receive, resuming from
 * the on-ready handler.
 */
final class SnapshotStream {
    private static final Logger log = LoggerFactory.getLogger(SnapshotStream.class);
    static final int CHUNK_BYTES = 256 * 1024;

    private final ServerCallStreamObserver<SnapshotChunk> call;
    private final Replica.Snapshot snapshot;
    private final String context;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile boolean done;
    private boolean first = true;
    private long rows;
    private long indexEntries;

    SnapshotStream(ServerCallStreamObserver<SnapshotChunk> call, Replica.Snapshot snapshot, String context) {
        this.call = call;
        this.snapshot = snapshot;
        this.context = context;
    }

    void start() {
        call.setOnCancelHandler(() -> {
            cancelled = true;
            snapshot.close();
            log.info("{}: snapshot cancelled by the follower after {} rows", context, rows);
        });
        call.setOnReadyHandler(this::drain);
        drain();
    }

    private void drain() {
        while (!done && !cancelled && call.isReady()) {
            if (!draining.compareAndSet(false, true)) {
                return;
            }
            try {
                while (!done && !cancelled && call.isReady()) {
                    SnapshotChunk c = next();
                    call.onNext(c);
                    if (c.getLast()) {
                        done = true;
                        snapshot.close();
                        call.onCompleted();
                        log.info("{}: sent a snapshot at lsn {} ({} row versions, {} index entries)", context,
                                snapshot.lsn(), rows, indexEntries);
                    }
                }
            } catch (RuntimeException e) {
                log.error("{}: snapshot failed after {} rows", context, rows, e);
                done = true;
                snapshot.close();
                try {
                    call.onNext(SnapshotChunk.newBuilder().setLast(true)
                            .setError(ShardErrors.of(Error.Code.INTERNAL, context + ": " + e)).build());
                    call.onCompleted();
                } catch (RuntimeException ignored) {
                    // the call is gone
                }
            } finally {
                draining.set(false);
            }
        }
    }

    private SnapshotChunk next() {
        SnapshotChunk.Builder b = SnapshotChunk.newBuilder();
        if (first) {
            b.setTable(snapshot.schema());
            first = false;
        }
        int bytes = 0;
        Cursor<byte[], byte[]> rc = snapshot.rows();
        while (bytes < CHUNK_BYTES && rc.hasNext()) {
            byte[] k = rc.next();
            byte[] v = rc.getValue();
            b.addRowKeys(UnsafeByteOperations.unsafeWrap(k)).addRowValues(UnsafeByteOperations.unsafeWrap(v));
            bytes += k.length + v.length;
            rows++;
        }
        Cursor<byte[], byte[]> ic = snapshot.index();
        while (bytes < CHUNK_BYTES && ic.hasNext()) {
            byte[] k = ic.next();
            b.addIndexKeys(UnsafeByteOperations.unsafeWrap(k));
            bytes += k.length;
            indexEntries++;
        }
        Cursor<byte[], byte[]> lc = snapshot.locks();
        while (bytes < CHUNK_BYTES && lc.hasNext()) {
            byte[] k = lc.next();
            byte[] v = lc.getValue();
            b.addLockKeys(UnsafeByteOperations.unsafeWrap(k)).addLockValues(UnsafeByteOperations.unsafeWrap(v));
            bytes += k.length + v.length;
        }
        Cursor<byte[], byte[]> tc = snapshot.txnRecords();
        while (bytes < CHUNK_BYTES && tc.hasNext()) {
            byte[] k = tc.next();
            byte[] v = tc.getValue();
            b.addTxnKeys(UnsafeByteOperations.unsafeWrap(k)).addTxnValues(UnsafeByteOperations.unsafeWrap(v));
            bytes += k.length + v.length;
        }
        if (!rc.hasNext() && !ic.hasNext() && !lc.hasNext() && !tc.hasNext()) {
            b.setLast(true).setLsn(snapshot.lsn()).addAllEpochs(snapshot.epochs())
                    .setGcSafePoint(snapshot.gcSafePoint());
        }
        return b.build();
    }
}
