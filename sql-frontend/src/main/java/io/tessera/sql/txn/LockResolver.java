package io.tessera.sql.txn;

import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.CheckTxnStatusRequest;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.CommitTxnRequest;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.PrimaryKeyRef;
import io.tessera.protocol.proto.RollbackTxnRequest;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.TxnResponse;
import io.tessera.sql.error.TesseraException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a lock another transaction left on a key a statement needs (the shard answered
 * LOCKED): asks the lock's primary shard what became of that transaction (CheckTxnStatus), rolls
 * the lock forward (COMMITTED: CommitTxn on the lock's shard) or back (ROLLED_BACK: RollbackTxn),
 * after which the request is retried. A lock of a live transaction is read past by readers (the
 * status check pushed that transaction's commit above the reader's timestamp), and waited for by
 * writers, up to the statement's {@link LockWait}.
 */
public final class LockResolver {
  private static final Logger LOG = LoggerFactory.getLogger(LockResolver.class);

  private final ShardRpc rpc;

  LockResolver(ShardRpc rpc) {
    this.rpc = rpc;
  }

  /**
   * A read at {@code readTs} of shard {@code lockShardId} met {@code lock}: returns true when the
   * read may pass it (the transaction is alive, its commit pushed above {@code readTs}), false
   * when the lock was resolved (retry the read as it was).
   */
  public boolean forReader(Lock lock, long lockShardId, long readTs) {
    return !resolve(lock, lockShardId, readTs);
  }

  /**
   * A write to shard {@code lockShardId} met {@code lock}: resolves it, or (the transaction being
   * alive) waits a little; returns when the write may be retried.
   *
   * @throws TesseraException 40001 when the statement has waited its lock wait timeout
   */
  public void forWriter(Lock lock, long lockShardId, LockWait wait) {
    if (!resolve(lock, lockShardId, 0)) {
      wait.pause(describe(lock));
    }
  }

  /** Returns true when the lock is gone (rolled forward or back), false when it is alive. */
  private boolean resolve(Lock lock, long lockShardId, long callerTs) {
    PrimaryKeyRef primary = lock.getPrimary();
    long startTs = lock.getStartTs();
    CheckTxnStatusResponse status = rpc.call(primary.getShardId(),
        "CheckTxnStatus of transaction " + startTs,
        (stub, ref) -> stub.checkTxnStatus(CheckTxnStatusRequest.newBuilder().setShard(ref)
            .setPrimaryPk(primary.getPk()).setStartTs(startTs).setCallerTs(callerTs).build()),
        CheckTxnStatusResponse::getError);
    if (!ShardErrors.isOk(status.getError())) {
      throw TesseraException.fromShard(status.getError(),
          "checking the status of the transaction holding " + describe(lock));
    }
    switch (status.getStatus()) {
      case COMMITTED: {
        long commitTs = status.getCommitTs();
        check(rpc.call(lockShardId, "CommitTxn of transaction " + startTs,
            (stub, ref) -> stub.commitTxn(CommitTxnRequest.newBuilder().setShard(ref)
                .setStartTs(startTs).setCommitTs(commitTs).build()),
            TxnResponse::getError), lock, "rolling forward");
        LOG.debug("Rolled forward the locks of committed transaction {} on shard {}", startTs,
            lockShardId);
        return true;
      }
      case ROLLED_BACK:
        check(rpc.call(lockShardId, "RollbackTxn of transaction " + startTs,
            (stub, ref) -> stub.rollbackTxn(RollbackTxnRequest.newBuilder().setShard(ref)
                .setStartTs(startTs).build()),
            TxnResponse::getError), lock, "rolling back");
        LOG.debug("Rolled back the locks of transaction {} on shard {}", startTs, lockShardId);
        return true;
      default:
        return false;
    }
  }

  private void check(TxnResponse response, Lock lock, String doing) {
    if (!ShardErrors.isOk(response.getError())) {
      throw TesseraException.fromShard(response.getError(), doing + " " + describe(lock));
    }
  }

  /** "key [1] of table T is locked by transaction 123", decoding the key when possible. */
  String describe(Lock lock) {
    TableSchema table = rpc.table(lock.getTableId());
    String key = HexFormat.of().formatHex(lock.getPk().toByteArray());
    if (table != null) {
      try {
        List<ColumnDef> columns = new ArrayList<>();
        for (int c : table.getPrimaryKeyList()) {
          columns.add(table.getColumns(c));
        }
        key = Arrays.deepToString(KeyCodec.decodeTuple(RowCodec.columnTypes(columns),
            lock.getPk().toByteArray(), 0));
      } catch (RuntimeException e) {
        // keep the hex form
      }
    }
    return "key " + key + " of table " + (table == null ? "#" + lock.getTableId()
        : table.getName()) + " is locked by transaction " + lock.getStartTs();
  }
}
