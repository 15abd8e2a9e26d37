package io.tessera.sql.txn;

import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.TxnRead;
import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.exec.AsOfSnapshots;
import io.tessera.sql.exec.ReadLocks;
import io.tessera.sql.exec.SnapshotTimestamp;
import io.tessera.sql.exec.StatementTimestamps;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.route.FailoverBudget;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction state of one JDBC connection: autocommit, isolation, read-only, and the open
 * transaction, which begins at the first statement executed with autocommit off (its start
 * timestamp from the oracle) and ends with {@link #commit()} or {@link #rollback()}.
 *
 * <p>A statement that fails after it prewrote something (or with 40001) leaves a transaction that
 * can only be rolled back: it is rolled back at once, and until the application ends it
 * ({@code rollback()}, or {@code commit()}, which then fails with 40001), every statement fails
 * with 25000. A statement that fails before writing anything (a syntax error, a duplicate key
 * detected on every shard it wrote to, ...) leaves the transaction usable.
 *
 * <p>As {@link ReadLocks} it gives the connection's scans their {@link TxnRead} and resolves the
 * locks they meet as a reader.
 *
 * <p>It also holds the past snapshot the connection reads ({@code SET SNAPSHOT_TIMESTAMP},
 * {@link SnapshotSetting}); while one is set the connection is read-only.
 */
public final class TxnSession implements ReadLocks {
  private static final Logger LOG = LoggerFactory.getLogger(TxnSession.class);

  private final Object connection;
  private final ClusterTxns txns;
  private final LockResolver locks;
  private final TwoPhaseCommit twoPhase;
  private final TxnOptions options;
  private volatile boolean autoCommit = true;
  private volatile boolean readOnly;
  private volatile Isolation isolation = Isolation.DEFAULT;
  private volatile @Nullable Transaction current;
  /** The past snapshot every statement reads ({@code SET SNAPSHOT_TIMESTAMP}), or null. */
  private volatile @Nullable Long snapshot;

  /**
   * @param connection the Calcite connection (the {@code DataContext.getQueryProvider()} of its
   *     statements), whose reads a REPEATABLE READ transaction pins to its start timestamp
   */
  public TxnSession(Object connection, ClusterClient client, FailoverBudget failover,
      TxnOptions options) {
    this.connection = connection;
    this.txns = ClusterTxns.of(client);
    ShardRpc rpc = new ShardRpc(client, txns.reads(), failover);
    this.locks = new LockResolver(rpc);
    this.twoPhase = new TwoPhaseCommit(rpc, txns);
    this.options = options;
  }

  public TxnOptions options() {
    return options;
  }

  public LockResolver locks() {
    return locks;
  }

  // ---- JDBC connection state ----

  public boolean autoCommit() {
    return autoCommit;
  }

  /** Switching autocommit on commits the open transaction (JDBC). */
  public void setAutoCommit(boolean on) {
    if (on && !autoCommit) {
      commit();
    }
    autoCommit = on;
  }

  /** Whether writes fail with 25006: {@code setReadOnly(true)}, or a past snapshot is set. */
  public boolean readOnly() {
    return readOnly || snapshot != null;
  }

  public void setReadOnly(boolean readOnly) {
    this.readOnly = readOnly;
  }

  public Isolation isolation() {
    return isolation;
  }

  /** Takes effect with the next transaction. */
  public void setIsolation(Isolation isolation) {
    this.isolation = isolation;
  }

  /** The past snapshot the connection reads ({@code SET SNAPSHOT_TIMESTAMP}), or null. */
  public @Nullable Long snapshot() {
    return snapshot;
  }

  /**
   * Makes every following statement read the past snapshot {@code snapshot} (a timestamp), and
   * refuses writes meanwhile; null reads the present again. Inside a transaction it applies from
   * the next statement on.
   */
  public void setSnapshot(@Nullable Long snapshot) {
    this.snapshot = snapshot;
    AsOfSnapshots.setForConnection(connection, snapshot);
    LOG.debug("Connection {} reads {}", connection,
        snapshot == null ? "the present" : "snapshot " + snapshot);
  }

  /**
   * How reads of a past snapshot deal with transactions: as no transaction's (a past snapshot
   * shows no uncommitted write, not even the open transaction's own), resolving the locks they
   * meet as any reader does.
   */
  public ReadLocks pastSnapshotReads() {
    return new ReadLocks() {
      @Override public @Nullable TxnRead txnRead() {
        return null;
      }

      @Override public boolean resolve(Lock lock, long shardId, long readTs) {
        return locks.forReader(lock, shardId, readTs);
      }
    };
  }

  /** The open explicit transaction, or null (autocommit, or none begun yet). */
  public @Nullable Transaction current() {
    return current;
  }

  // ---- statements ----

  /**
   * Before a statement executes: with autocommit off, begins the transaction if none is open;
   * fails with 25000 if the open one can only be rolled back.
   */
  public void statementStarts() {
    if (autoCommit) {
      return;
    }
    Transaction txn = current;
    if (txn == null) {
      txn = begin();
    }
    String doomed = txn.doomedBecause();
    if (doomed != null && txn.reportAbortElsewhere()) {
      throw new TesseraException(SqlStates.SERIALIZATION_FAILURE, 0,
          "The transaction was rolled back: " + doomed + "; call rollback() and retry it", null);
    }
    if (doomed != null) {
      throw new TesseraException(SqlStates.INVALID_TRANSACTION_STATE,
          "The transaction can only be rolled back: " + doomed + "; call rollback() to end it");
    }
    txn.statementStarts();
  }

  /** After a statement failed: dooms (and rolls back) the transaction if it must. */
  public void statementFailed(Throwable failure) {
    Transaction txn = current;
    if (txn == null || txn.doomedBecause() != null) {
      return;
    }
    SqlErrors.Classified c = SqlErrors.classify(failure);
    boolean conflict = SqlStates.SERIALIZATION_FAILURE.equals(c.sqlState());
    if (!conflict && !txn.statementWrote()) {
      return; // nothing partial happened: the transaction goes on
    }
    txn.doom((conflict ? "a statement failed with 40001 (" : "a statement failed after writing"
        + " part of its rows (") + c.message() + ")");
    LOG.debug("Rolling back {}: {}", txn, txn.doomedBecause());
    rollBackAndEnd(txn);
  }

  private Transaction begin() {
    SnapshotTimestamp snapshot = txns.reads().snapshotTimestamp();
    Transaction txn = new Transaction(identity(snapshot), snapshot.ts(), isolation, false,
        options.ttlMs());
    current = txn;
    if (txn.isolation() == Isolation.REPEATABLE_READ) {
      StatementTimestamps.pin(connection, snapshot.ts());
    }
    txns.track(txn);
    LOG.debug("Began {} ({})", txn, txn.isolation());
    return txn;
  }

  /**
   * Commits the open transaction, if any.
   *
   * @throws TesseraException 40001 when it was rolled back (by a failed statement, or because
   *     its locks expired)
   */
  public void commit() {
    Transaction txn = current;
    if (txn == null) {
      return;
    }
    current = null;
    StatementTimestamps.pin(connection, null);
    String doomed = txn.doomedBecause();
    if (doomed != null) {
      rollBackAndEnd(txn);
      throw new TesseraException(SqlStates.SERIALIZATION_FAILURE, 0,
          "The transaction was rolled back: " + doomed, null);
    }
    try {
      twoPhase.commit(txn);
    } finally {
      txn.end();
      txns.forget(txn);
    }
  }

  /** Rolls the open transaction back, if any. */
  public void rollback() {
    Transaction txn = current;
    if (txn == null) {
      return;
    }
    current = null;
    StatementTimestamps.pin(connection, null);
    rollBackAndEnd(txn);
  }

  /** Rolls back {@code txn} unless it already was; stops its heartbeats. */
  private void rollBackAndEnd(Transaction txn) {
    try {
      if (!txn.ended()) {
        twoPhase.rollback(txn);
      }
    } finally {
      txn.end();
      txns.forget(txn);
    }
  }

  // ---- implicit transactions (one multi-shard autocommit write) ----

  /**
   * A transaction's identity: its snapshot's timestamp when the oracle gave it (unique), else, the
   * snapshot coming from the shards (shared by other statements), a {@link io.tessera.sql.meta.UniqueIds} value.
   */
  private long identity(SnapshotTimestamp snapshot) {
    return snapshot.fromShards() ? txns.reads().uniqueIds().next() : snapshot.ts();
  }

  /** Begins the transaction of one autocommit statement writing several shards. */
  public Transaction beginImplicit(SnapshotTimestamp snapshot) {
    Transaction txn = new Transaction(identity(snapshot), snapshot.ts(), Isolation.REPEATABLE_READ,
        true, options.ttlMs());
    txns.track(txn);
    return txn;
  }

  /** Commits an implicit transaction (40001 when it was rolled back meanwhile). */
  public void commitImplicit(Transaction txn) {
    try {
      twoPhase.commit(txn);
    } finally {
      txn.end();
      txns.forget(txn);
    }
  }

  /** Rolls an implicit transaction back (best effort). */
  public void rollbackImplicit(Transaction txn) {
    rollBackAndEnd(txn);
  }

  // ---- ReadLocks ----

  @Override public @Nullable TxnRead txnRead() {
    Transaction txn = current;
    return txn == null ? null : txn.txnRead();
  }

  @Override public boolean resolve(Lock lock, long shardId, long readTs) {
    boolean readPast = locks.forReader(lock, shardId, readTs);
    Transaction txn = current;
    if (readPast && txn != null) {
      txn.readPast(lock.getStartTs(), readTs);
    }
    return readPast;
  }
}
