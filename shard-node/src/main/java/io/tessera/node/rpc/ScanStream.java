package io.tessera.node.rpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.tessera.node.ShardException;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.proto.RowBatch;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the output rows of a scan as {@link RowBatch}es while the client is ready to receive them
 * ({@link ServerCallStreamObserver#isReady()}), and resumes from its on-ready handler, so rows are
 * pulled from the (lazy) source only as fast as the client consumes them. Stops on cancellation.
 * A failure while streaming ends the stream with a batch carrying the error. The first batch names
 * the snapshot read ({@code read_ts}, resolved when the request said 0), so that a statement writing
 * what it read can have the write checked against it.
 */
final class ScanStream {
    private static final Logger log = LoggerFactory.getLogger(ScanStream.class);
    static final int DEFAULT_BATCH_ROWS = 1024;
    static final int MAX_BATCH_BYTES = 64 * 1024;

    private final ServerCallStreamObserver<RowBatch> call;
    private final Iterator<Object[]> rows;
    private final RowCodec codec;
    private final int batchRows;
    private final long readTs;
    private final String context;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile boolean done;
    private long sentRows;
    private long batches;

    ScanStream(ServerCallStreamObserver<RowBatch> call, Iterator<Object[]> rows, RowCodec codec, int batchRows,
            long readTs, String context) {
        this.call = call;
        this.rows = rows;
        this.codec = codec;
        this.batchRows = batchRows > 0 ? batchRows : DEFAULT_BATCH_ROWS;
        this.readTs = readTs;
        this.context = context;
    }

    /** Installs the handlers and sends what the client is ready for. Call from the RPC handler. */
    void start() {
        call.setOnCancelHandler(() -> {
            cancelled = true;
            log.debug("{}: cancelled by the client after {} rows", context, sentRows);
        });
        call.setOnReadyHandler(this::drain);
        drain();
    }

    private void drain() {
        while (!done && !cancelled && call.isReady()) {
            if (!draining.compareAndSet(false, true)) {
                return; // another thread is sending
            }
            try {
                while (!done && !cancelled && call.isReady()) {
                    RowBatch batch = nextBatch();
                    call.onNext(batch);
                    batches++;
                    if (batch.getLast()) {
                        done = true;
                        call.onCompleted();
                        log.debug("{}: sent {} rows in {} batches", context, sentRows, batches);
                    }
                }
            } catch (ShardException e) {
                fail(e.toError());
                log.debug("{}: failed after {} rows: {}", context, sentRows, e.getMessage());
            } catch (RuntimeException e) {
                log.error("{}: scan failed after {} rows", context, sentRows, e);
                fail(ShardService.internal(context, e));
            } finally {
                draining.set(false);
            }
        }
    }

    private void fail(io.tessera.protocol.proto.Error error) {
        if (done || cancelled) {
            return;
        }
        done = true;
        try {
            call.onNext(RowBatch.newBuilder().setError(error).setLast(true).build());
            call.onCompleted();
        } catch (RuntimeException e) {
            log.debug("{}: could not send the error: {}", context, e.toString());
        }
    }

    private RowBatch nextBatch() {
        RowBatch.Builder b = RowBatch.newBuilder();
        if (batches == 0) {
            b.setReadTs(readTs);
        }
        int bytes = 0;
        int n = 0;
        while (n < batchRows && bytes < MAX_BATCH_BYTES && rows.hasNext()) {
            ByteString row = UnsafeByteOperations.unsafeWrap(codec.encode(rows.next()));
            b.addRows(row);
            bytes += row.size();
            n++;
        }
        sentRows += n;
        return b.setLast(!rows.hasNext()).build();
    }
}
