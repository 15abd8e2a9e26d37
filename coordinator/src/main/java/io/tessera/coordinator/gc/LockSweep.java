package io.tessera.coordinator.gc;

import com.google.common.util.concurrent.ListenableFuture;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.CheckTxnStatusRequest;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.CommitTxnRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.PrimaryKeyRef;
import io.tessera.protocol.proto.RollbackTxnRequest;
import io.tessera.protocol.proto.ScanLocksRequest;
import io.tessera.protocol.proto.ScanLocksResponse;
import io.tessera.protocol.proto.TxnResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves every lock below the safe point on one shard, as a frontend resolves a lock it meets
 * (docs/transactions.md, "Resolving a lock"): the primary's shard decides with
 * {@code CheckTxnStatus}; a committed transaction's lock is rolled forward, a rolled-back one's
 * removed. A transaction still alive although it started below the safe point is older than the GC
 * window: it is rolled back (its primary first, so that its commit fails with 40001), because
 * its transaction record must not be collected while it may still commit.
 */
final class LockSweep {
    private static final Logger log = LoggerFactory.getLogger(LockSweep.class);
    /** Locks asked for per ScanLocks; resolved ones are gone, so the next scan continues. */
    static final int BATCH = 500;
    /** At most this many scans per shard and round: the rest waits for the next round. */
    static final int MAX_SCANS = 100;

    private final ShardRoutes routes;
    private final Duration timeout;
    private long resolved;

    LockSweep(ShardRoutes routes, Duration timeout) {
        this.routes = routes;
        this.timeout = timeout;
    }

    /** Locks resolved so far by this sweep (all shards). */
    long resolved() {
        return resolved;
    }

    /** Returns true when shard {@code shardId} was found to hold no lock below {@code safePoint} any more. */
    boolean sweep(long shardId, long safePoint) {
        for (int scan = 0; scan < MAX_SCANS; scan++) {
            ScanLocksResponse r;
            try {
                r = await(routes.primary(shardId).scanLocks(ScanLocksRequest.newBuilder().setShard(routes.ref(shardId))
                        .setMaxStartTs(safePoint).setLimit(BATCH).build()));
            } catch (RuntimeException e) {
                log.info("GC: cannot scan the locks of shard {} below safe point {}: {}", shardId, safePoint, e.getMessage());
                return false;
            }
            if (!ShardErrors.isOk(r.getError())) {
                log.info("GC: ScanLocks on shard {} failed: {} {}", shardId, r.getError().getCode(), r.getError().getMessage());
                return false;
            }
            for (Lock lock : r.getLocksList()) {
                try {
                    resolve(lock, shardId);
                    resolved++;
                } catch (RuntimeException e) {
                    log.info("GC: lock of transaction {} on shard {} not resolved (next round): {}", lock.getStartTs(),
                            shardId, e.getMessage());
                    return false;
                }
            }
            if (!r.getMore()) {
                return true;
            }
        }
        log.info("GC: shard {} still holds locks below safe point {} after {} scans; the next round continues", shardId,
                safePoint, MAX_SCANS);
        return false;
    }

    private void resolve(Lock lock, long lockShard) {
        PrimaryKeyRef primary = lock.getPrimary();
        long startTs = lock.getStartTs();
        CheckTxnStatusResponse status = await(routes.primary(primary.getShardId()).checkTxnStatus(
                CheckTxnStatusRequest.newBuilder().setShard(routes.ref(primary.getShardId())).setPrimaryPk(primary.getPk())
                        .setStartTs(startTs).build()));
        check(status.getError(), "CheckTxnStatus of transaction " + startTs);
        switch (status.getStatus()) {
            case COMMITTED:
                check(await(routes.primary(lockShard).commitTxn(CommitTxnRequest.newBuilder().setShard(routes.ref(lockShard))
                        .setStartTs(startTs).setCommitTs(status.getCommitTs()).build())).getError(),
                        "rolling forward transaction " + startTs);
                log.debug("GC: rolled forward the locks of transaction {} on shard {}", startTs, lockShard);
                break;
            case ROLLED_BACK:
                rollback(lockShard, startTs);
                log.debug("GC: rolled back the locks of transaction {} on shard {}", startTs, lockShard);
                break;
            default:
                // older than the GC window and still alive: abort it at its primary, then here
                TxnResponse abort = await(routes.primary(primary.getShardId()).rollbackTxn(RollbackTxnRequest.newBuilder()
                        .setShard(routes.ref(primary.getShardId())).setStartTs(startTs).setPrimaryPk(primary.getPk()).build()));
                check(abort.getError(), "rolling back transaction " + startTs + " at its primary");
                if (lockShard != primary.getShardId()) {
                    rollback(lockShard, startTs);
                }
                log.info("GC: transaction {} started before the safe point (older than the GC window) and is still open;"
                        + " rolled it back (primary on shard {}, lock on shard {})", startTs, primary.getShardId(), lockShard);
                break;
        }
    }

    private void rollback(long shardId, long startTs) {
        check(await(routes.primary(shardId).rollbackTxn(RollbackTxnRequest.newBuilder().setShard(routes.ref(shardId))
                .setStartTs(startTs).build())).getError(), "rolling back transaction " + startTs);
    }

    private static void check(Error e, String doing) {
        if (!ShardErrors.isOk(e)) {
            throw new IllegalStateException(doing + " failed: " + e.getCode() + " " + e.getMessage());
        }
    }

    private <T> T await(ListenableFuture<T> f) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IllegalStateException("no answer within " + timeout.toMillis() + " ms");
        }
    }
}
