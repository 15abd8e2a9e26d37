package io.tessera.sql.txn;

import com.google.protobuf.ByteString;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.CommitTxnRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.PrimaryKeyRef;
import io.tessera.protocol.proto.RollbackTxnRequest;
import io.tessera.protocol.proto.TxnResponse;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second phase of a transaction whose writes are prewritten (docs/transactions.md, "Commit"
 * and "Rollback").
 *
 * <p>Commit: a commit timestamp derived from the prewrites' answers (the highest floor a shard
 * reported, at least start_ts + 1), or from the oracle when a shard reported none, then
 * {@code CommitTxn} with {@code primary_pk} on the primary's shard: the commit point.
 * {@code COMMIT_TS_TOO_OLD} (a reader pushed the transaction's commit above it) tries again at the
 * pushed value (or an oracle timestamp when that starts a new slot); {@code TXN_ABORTED} (the
 * transaction was rolled back, e.g. its locks expired) fails with 40001. Then {@code CommitTxn} on
 * every other shard written, in parallel; the caller waits for them, but a failure there is only
 * logged: the transaction is committed, and readers roll those locks forward.
 *
 * <p>Rollback: {@code RollbackTxn} on every shard written, in parallel, with {@code primary_pk}
 * on the primary's shard (which records the rollback, so a late prewrite or commit fails).
 * Failures are logged: the locks left expire and are rolled back by whoever meets them.
 */
final class TwoPhaseCommit {
  /** Attempts at finding a commit timestamp above every reader's push. */
  private static final int COMMIT_TS_ATTEMPTS = 10;
  private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseCommit.class);
  /**
   * Fault injection for tests only (docs/transactions.md, "Evidence"): the system property
   * {@code tessera.test.haltAfter} set to {@code prewrite} or {@code primaryCommit} makes the JVM
   * halt (status 137, like {@code kill -9}: no shutdown hooks, no rollback) when a transaction that
   * wrote to several shards is about to commit, or right after its primary's shard committed it
   * (the commit point) and before the other shards are told. Unset, it does nothing.
   */
  private static final String HALT_AFTER = System.getProperty("tessera.test.haltAfter", "");

  private final ShardRpc rpc;
  private final ClusterTxns txns;

  TwoPhaseCommit(ShardRpc rpc, ClusterTxns txns) {
    this.rpc = rpc;
    this.txns = txns;
  }

  /**
   * Commits {@code txn}; returns its commit timestamp (0 when it wrote nothing).
   *
   * @throws TesseraException 40001 (vendor code 0) when the transaction was rolled back
   */
  long commit(Transaction txn) {
    PrimaryKeyRef primary = txn.primary();
    if (primary == null) {
      return 0;
    }
    long startTs = txn.startTs();
    haltForTest("prewrite", txn);
    long commitTs = txn.derivedCommitTs();
    for (int attempt = 1; ; attempt++) {
      if (commitTs == 0) {
        commitTs = txns.client().coordinator().nextTimestamp();
      }
      long ts = commitTs;
      long rangeEnd = txns.reads().rangeEnd(ts);
      TxnResponse r = rpc.call(primary.getShardId(), "CommitTxn of transaction " + startTs,
          (stub, ref) -> stub.commitTxn(CommitTxnRequest.newBuilder().setShard(ref)
              .setStartTs(startTs).setCommitTs(ts).setCommitTsRangeEnd(rangeEnd)
              .setPrimaryPk(primary.getPk()).build()),
          TxnResponse::getError);
      Error error = r.getError();
      if (ShardErrors.isOk(error)) {
        break;
      }
      if (error.getCode() == Error.Code.COMMIT_TS_TOO_OLD && attempt < COMMIT_TS_ATTEMPTS) {
        LOG.debug("Commit of transaction {} at {} is below its min_commit_ts {}; trying again"
            + " above it", startTs, ts, r.getMinCommitTs());
        commitTs = Transaction.derivable(r.getMinCommitTs());
        continue;
      }
      if (error.getCode() == Error.Code.TXN_ABORTED) {
        rollbackSecondaries(txn);
        throw new TesseraException(SqlStates.SERIALIZATION_FAILURE, 0, "Transaction " + startTs
            + " was rolled back before it could commit (" + error.getMessage() + "): its locks"
            + " expired or another transaction rolled it back; retry the transaction", null);
      }
      throw TesseraException.fromShard(error, "committing transaction " + startTs
          + " on the shard of its primary key " + primary.getShardId());
    }
    haltForTest("primaryCommit", txn);
    long ts = commitTs;
    long rangeEnd = txns.reads().rangeEnd(ts);
    forEachSecondary(txn, shard -> rpc.call(shard, "CommitTxn of transaction " + startTs,
        (stub, ref) -> stub.commitTxn(CommitTxnRequest.newBuilder().setShard(ref)
            .setStartTs(startTs).setCommitTs(ts).setCommitTsRangeEnd(rangeEnd).build()),
        TxnResponse::getError), "commit (it is committed: readers roll its locks forward)");
    return commitTs;
  }

  /** The fault-injection hook: see {@link #HALT_AFTER}. */
  private static void haltForTest(String point, Transaction txn) {
    if (HALT_AFTER.equals(point) && txn.shards().size() > 1) {
      LOG.warn("Fault injection (tessera.test.haltAfter={}): halting the JVM in the commit of {}"
          + " (shards {})", point, txn, txn.shards());
      Runtime.getRuntime().halt(137);
    }
  }

  /** Rolls {@code txn} back on every shard it wrote to (best effort, logged). */
  void rollback(Transaction txn) {
    PrimaryKeyRef primary = txn.primary();
    if (primary == null) {
      return;
    }
    long startTs = txn.startTs();
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    calls.add(async(txn, primary.getShardId(), "rollback (its locks will expire)",
        () -> rollbackOn(startTs, primary.getShardId(), primary.getPk())));
    calls.addAll(secondaries(txn, shard -> rollbackOn(startTs, shard, ByteString.EMPTY),
        "rollback (its locks will expire)"));
    await(calls);
  }

  private void rollbackSecondaries(Transaction txn) {
    long startTs = txn.startTs();
    forEachSecondary(txn, shard -> rollbackOn(startTs, shard, ByteString.EMPTY),
        "rollback (its locks will expire)");
  }

  private TxnResponse rollbackOn(long startTs, long shardId, ByteString primaryPk) {
    return rpc.call(shardId, "RollbackTxn of transaction " + startTs,
        (stub, ref) -> stub.rollbackTxn(RollbackTxnRequest.newBuilder().setShard(ref)
            .setStartTs(startTs).setPrimaryPk(primaryPk).build()),
        TxnResponse::getError);
  }

  /** One call on a shard. */
  private interface ShardCall {
    TxnResponse on(long shardId);
  }

  private void forEachSecondary(Transaction txn, ShardCall call, String what) {
    await(secondaries(txn, call, what));
  }

  private List<CompletableFuture<Void>> secondaries(Transaction txn, ShardCall call,
      String what) {
    long primaryShard = txn.primary().getShardId();
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (long shard : txn.shards()) {
      if (shard != primaryShard) {
        calls.add(async(txn, shard, what, () -> call.on(shard)));
      }
    }
    return calls;
  }

  private CompletableFuture<Void> async(Transaction txn, long shard, String what,
      java.util.function.Supplier<TxnResponse> call) {
    return CompletableFuture.supplyAsync(call, txns.workers()).handle((r, t) -> {
      Throwable failure = t instanceof CompletionException ? t.getCause() : t;
      if (failure != null) {
        LOG.warn("{} of {} on shard {} failed: {}", what, txn, shard, failure.toString());
      } else if (!ShardErrors.isOk(r.getError())) {
        LOG.warn("{} of {} on shard {}: shard answered {}: {}", what, txn, shard,
            r.getError().getCode(), r.getError().getMessage());
      }
      return null;
    });
  }

  private static void await(List<CompletableFuture<Void>> calls) {
    CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).join();
  }
}
