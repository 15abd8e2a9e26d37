package io.tessera.sql.exec;

import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.TxnRead;
import io.tessera.sql.error.TesseraException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How a connection's scans deal with transactions (docs/transactions.md, "Reads"): the
 * {@link TxnRead} they send (so the reader's own locks read as their new rows), and what to do
 * when a shard answers LOCKED (another transaction's lock on a key the scan covers).
 */
public interface ReadLocks {
  /** The reader's own transaction, or null outside a transaction. */
  @Nullable TxnRead txnRead();

  /**
   * A read at {@code readTs} of shard {@code shardId} met {@code lock}: resolves it. Returns true
   * when the read may pass the lock (add its start_ts to {@code TxnRead.bypass_locks}), false when
   * the lock is gone (retry as before).
   */
  boolean resolve(Lock lock, long shardId, long readTs);

  /** Outside any connection (tests, tools): no transaction, and a lock fails the read. */
  ReadLocks NONE = new ReadLocks() {
    @Override public @Nullable TxnRead txnRead() {
      return null;
    }

    @Override public boolean resolve(Lock lock, long shardId, long readTs) {
      throw TesseraException.fromShard(Error.newBuilder().setCode(Error.Code.LOCKED)
          .setMessage("key locked by transaction " + lock.getStartTs()).build());
    }
  };
}
