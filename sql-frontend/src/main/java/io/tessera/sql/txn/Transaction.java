package io.tessera.sql.txn;

import io.tessera.protocol.proto.PrimaryKeyRef;
import io.tessera.protocol.proto.TxnRead;
import io.tessera.protocol.time.Timestamps;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The state of one open transaction (docs/transactions.md): its start timestamp (its identity),
 * its snapshot (the same value, unless it started without the oracle: then the shards' timestamp
 * {@link io.tessera.sql.exec.SnapshotClock} found, and a {@link io.tessera.sql.meta.UniqueIds} value as identity),
 * isolation, the primary key (the first key it prewrote: where its fate is decided), the shards it
 * wrote to (where commit and rollback must go) and, once a failure doomed it, why.
 *
 * <p>An <em>implicit</em> transaction is the one a multi-shard autocommit write statement runs in,
 * so that the statement is atomic.
 */
public final class Transaction {
  private final long startTs;
  private final long snapshotTs;
  private final Isolation isolation;
  private final boolean implicit;
  private final long ttlMs;
  private volatile @Nullable PrimaryKeyRef primary;
  private final Set<Long> shards = ConcurrentHashMap.newKeySet();
  /**
   * Transactions whose locks its reads may pass: their commit was pushed above the transaction's
   * snapshot (REPEATABLE READ reads at one timestamp, so this holds for all its statements).
   */
  private final Set<Long> bypass = ConcurrentHashMap.newKeySet();
  /** Non-null once the transaction can only be rolled back (it may already be). */
  private volatile @Nullable String doomedBecause;
  /** Doomed by {@link #abortedElsewhere} and no statement has failed with it yet. */
  private boolean abortUnreported;
  /** The highest commit floor its prewrites reported, and whether one reported none. */
  private long commitFloor;
  private boolean commitFloorUnknown;
  /** The highest snapshot its prewrites checked from: their locks promise a commit above it. */
  private long maxForUpdateTs;
  /** Whether the running statement prewrote anything (or may have: outcome unknown). */
  private volatile boolean wroteInStatement;
  private volatile boolean ended;

  Transaction(long startTs, long snapshotTs, Isolation isolation, boolean implicit, long ttlMs) {
    this.startTs = startTs;
    this.snapshotTs = snapshotTs;
    this.isolation = isolation;
    this.implicit = implicit;
    this.ttlMs = ttlMs;
  }

  /** Its identity in locks, records and requests: unique. */
  public long startTs() {
    return startTs;
  }

  /** The timestamp its snapshot is taken at (REPEATABLE READ reads at it; conflicts are checked from it). */
  public long snapshotTs() {
    return snapshotTs;
  }

  public Isolation isolation() {
    return isolation;
  }

  /** ttl_ms of its locks and heartbeats. */
  public long ttlMs() {
    return ttlMs;
  }

  /** The primary key, or null before the first prewrite. */
  public @Nullable PrimaryKeyRef primary() {
    return primary;
  }

  /** Sets the primary key if there is none yet; returns the primary key in force. */
  public synchronized PrimaryKeyRef choosePrimary(PrimaryKeyRef candidate) {
    if (primary == null) {
      primary = candidate;
    }
    return primary;
  }

  /**
   * Forgets the primary key chosen by a statement that then failed without writing anything (no
   * lock names it), so that the next statement chooses again.
   */
  public synchronized void forgetPrimary() {
    primary = null;
  }

  /**
   * Records that a prewrite checking from {@code forUpdateTs} is being sent to {@code shardId}
   * (before it is sent: its locks may be placed even if no answer comes).
   */
  public synchronized void prewriting(long shardId, long forUpdateTs) {
    shards.add(shardId);
    maxForUpdateTs = Math.max(maxForUpdateTs, forUpdateTs);
  }

  /** The shards prewritten to (or maybe). */
  public List<Long> shards() {
    return List.copyOf(shards);
  }

  /**
   * The read options of its statements: its own locks read as their new rows, and the locks of
   * transactions pushed above its snapshot are passed.
   */
  public TxnRead txnRead() {
    return TxnRead.newBuilder().setStartTs(startTs).addAllBypassLocks(bypass).build();
  }

  /** A read at {@code readTs} may pass the locks of transaction {@code lockStartTs}. */
  void readPast(long lockStartTs, long readTs) {
    if (isolation == Isolation.REPEATABLE_READ && readTs == snapshotTs) {
      bypass.add(lockStartTs);
    }
  }

  /** The snapshot a write of a statement reading at {@code statementReadTs} checks against. */
  public long forUpdateTs(long statementReadTs) {
    return isolation == Isolation.READ_COMMITTED && statementReadTs > snapshotTs ? statementReadTs
        : snapshotTs;
  }

  /** A new statement of the transaction begins. */
  void statementStarts() {
    wroteInStatement = false;
  }

  /** A prewrite of the running statement was applied, or its outcome is unknown. */
  public void wroteInStatement() {
    wroteInStatement = true;
  }

  /**
   * A prewrite was applied; {@code floor} is the lowest commit timestamp its shard accepts (0 =
   * none known: the commit takes an oracle timestamp).
   */
  public synchronized void prewritten(long floor) {
    if (floor <= 0) {
      commitFloorUnknown = true;
    } else {
      commitFloor = Math.max(commitFloor, floor);
    }
  }

  /**
   * The commit timestamp derived from its prewrites (docs/transactions.md, "Commit timestamps"),
   * or 0 when the oracle must give one. Above its snapshot (it read there) and every snapshot its
   * prewrites checked from (their locks' min_commit_ts, which readers rely on); its identity plays
   * no part (docs/transactions.md, "Starting without the oracle").
   */
  synchronized long derivedCommitTs() {
    return commitFloorUnknown ? 0
        : derivable(Math.max(commitFloor, Math.max(snapshotTs, maxForUpdateTs) + 1));
  }

  /**
   * {@code ts} when it is inside the slot of a timestamp already handed out (every value reported
   * is; a value one above one of them is unless it starts the next slot), else 0.
   */
  static long derivable(long ts) {
    return Timestamps.isOracle(ts) ? 0 : ts;
  }

  /** Whether the running statement may have written something. */
  public boolean statementWrote() {
    return wroteInStatement;
  }

  synchronized void doom(String reason) {
    if (doomedBecause == null) {
      doomedBecause = reason;
    }
  }

  /**
   * Another client rolled the transaction back (its locks had expired): its next statement fails
   * with 40001, since no statement of its own has reported it yet.
   */
  synchronized void abortedElsewhere(String reason) {
    if (doomedBecause == null) {
      doomedBecause = reason;
      abortUnreported = true;
    }
  }

  /** Whether a statement must now report {@link #abortedElsewhere} (once). */
  synchronized boolean reportAbortElsewhere() {
    boolean report = abortUnreported;
    abortUnreported = false;
    return report;
  }

  /** Why the transaction can only be rolled back, or null. */
  public @Nullable String doomedBecause() {
    return doomedBecause;
  }

  boolean ended() {
    return ended;
  }

  void end() {
    ended = true;
  }

  @Override public String toString() {
    return (implicit ? "implicit transaction " : "transaction ") + startTs
        + (snapshotTs == startTs ? "" : " (snapshot " + snapshotTs + ")");
  }
}
