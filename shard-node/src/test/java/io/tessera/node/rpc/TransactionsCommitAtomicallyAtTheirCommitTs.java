package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.delete;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.TxnRequests.check;
import static io.tessera.node.TxnRequests.commit;
import static io.tessera.node.TxnRequests.get;
import static io.tessera.node.TxnRequests.heartbeat;
import static io.tessera.node.TxnRequests.lock;
import static io.tessera.node.TxnRequests.pk;
import static io.tessera.node.TxnRequests.prewrite;
import static io.tessera.node.TxnRequests.reader;
import static io.tessera.node.TxnRequests.rollback;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.node.TxnRequests;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.TxnResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Prewrite, commit and rollback over gRPC on one shard: what becomes visible at which timestamp. */
class TransactionsCommitAtomicallyAtTheirCommitTs {
    static final ShardRef SHARD = NodeFixture.ref();
    NodeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
        assertThat(f.write(10, insert(item(1, "a", 1, null, "a@x")), insert(item(3, "c", 3, null, "c@x"))).hasError())
                .isFalse();
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private Replica replica() {
        return f.node.replicas().require(NodeFixture.SHARD);
    }

    private TxnResponse ok(TxnResponse r) {
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
        return r;
    }

    private String name(long id, long ts) {
        Object[] row = f.get(id, ts);
        return row == null ? null : (String) row[1];
    }

    @Test
    void aCommittedTransactionBecomesVisibleAtItsCommitTsAllAtOnce() {
        TxnResponse p = ok(f.stub().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null, "a@x")),
                insert(item(2, "b", 2, null, "b@x")), delete(3)).build()));
        assertThat(p.getApplied()).isEqualTo(3);
        assertThat(replica().lockCount()).isEqualTo(3);
        assertThat(name(1, 15)).as("a snapshot before start_ts reads past the locks").isEqualTo("a");
        GetResponse locked = f.stub().get(get(SHARD, 25, null, 1));
        assertThat(locked.getError().getCode()).isEqualTo(Error.Code.LOCKED);
        assertThat(locked.getError().getLock().getStartTs()).isEqualTo(20);
        assertThat(locked.getError().getLock().getPk()).isEqualTo(pk(1));
        assertThat(locked.getError().getLock().getTableId()).isEqualTo(42);
        assertThat(locked.getError().getLock().getPrimary().getPk()).isEqualTo(pk(1));

        assertThat(ok(f.stub().commitTxn(commit(SHARD, 20, 30, 1L))).getApplied()).isEqualTo(3);
        assertThat(replica().lockCount()).isZero();
        assertThat(name(1, 29)).isEqualTo("a");
        assertThat(name(2, 29)).isNull();
        assertThat(name(3, 29)).isEqualTo("c");
        assertThat(name(1, 30)).isEqualTo("a2");
        assertThat(name(2, 30)).isEqualTo("b");
        assertThat(name(3, 30)).isNull();
        assertThat(f.scanAll(30).ids()).containsExactly(1L, 2L);
    }

    @Test
    void aRolledBackTransactionLeavesNothingAndCannotCommitOrPrewriteLater() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 2, insert(item(2, "b", 2, null, null)),
                mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null, "a@x"))).build()));
        assertThat(ok(f.stub().rollbackTxn(rollback(SHARD, 20, 2L))).getApplied()).isEqualTo(2);
        assertThat(replica().lockCount()).isZero();
        assertThat(name(2, 100)).isNull();
        assertThat(name(1, 100)).isEqualTo("a");
        assertThat(f.stub().commitTxn(commit(SHARD, 20, 30, 2L)).getError().getCode()).isEqualTo(Error.Code.TXN_ABORTED);
        TxnResponse late = f.stub().prewrite(prewrite(SHARD, 20, 2, insert(item(2, "b", 2, null, null))).setSeq(99).build());
        assertThat(late.getError().getCode()).as("a late prewrite of the primary").isEqualTo(Error.Code.TXN_ABORTED);
        assertThat(replica().lockCount()).isZero();
        assertThat(ok(f.stub().rollbackTxn(rollback(SHARD, 20, 2L))).getApplied()).as("a retry").isZero();
    }

    @Test
    void aTransactionRolledBackByAnotherClientCannotReadOnWithoutItsWrites() {
        // transaction 20 has its primary on another shard; here it updates item 1
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null, "a@x")))
                .setPrimary(TxnRequests.primary(99, 7)).build()));
        GetResponse own = f.stub().get(get(SHARD, 25, reader(20), 1));
        assertThat(own.hasError()).as("%s", own.getError()).isFalse();
        assertThat(own.getRows(0).toStringUtf8()).contains("a2");

        // another client found it expired on its primary's shard and resolves its lock here
        assertThat(ok(f.stub().rollbackTxn(rollback(SHARD, 20, null))).getApplied()).isEqualTo(1);
        GetResponse after = f.stub().get(get(SHARD, 25, reader(20), 1));
        assertThat(after.getError().getCode()).as("not the committed row without its own update")
                .isEqualTo(Error.Code.TXN_ABORTED);
        assertThat(after.getError().getSqlState()).isEqualTo("40001");
        TxnResponse late = f.stub().prewrite(prewrite(SHARD, 20, 1, insert(item(2, "b", 2, null, null)))
                .setPrimary(TxnRequests.primary(99, 7)).setSeq(5).build());
        assertThat(late.getError().getCode()).as("a later statement's prewrite").isEqualTo(Error.Code.TXN_ABORTED);
        assertThat(replica().lockCount()).isZero();

        // other transactions read as before; a rollback that removed no lock records nothing
        assertThat(f.stub().get(get(SHARD, 25, reader(21), 1)).hasError()).isFalse();
        ok(f.stub().rollbackTxn(rollback(SHARD, 22, null)));
        assertThat(f.stub().get(get(SHARD, 25, reader(22), 1)).hasError()).isFalse();
    }

    @Test
    void aPrewriteReportsACommitFloorAboveEveryReadServedBeforeIt() {
        assertThat(f.stub().get(get(SHARD, 500, null, 1)).hasError()).isFalse(); // a snapshot at 500 was read
        TxnResponse p = ok(f.stub().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null,
                "a@x"))).build()));
        assertThat(p.getMinCommitTs()).as("committing at it cannot change what the read at 500 saw").isEqualTo(501);
        ok(f.stub().commitTxn(commit(SHARD, 20, p.getMinCommitTs(), 1L)));
        assertThat(name(1, 500)).isEqualTo("a");
        assertThat(name(1, 501)).isEqualTo("a2");
    }

    @Test
    void aVersionCommittedAfterTheSnapshotIsAWriteConflict() {
        assertThat(f.write(25, mutation(Mutation.Kind.UPDATE, item(1, "other", 1, null, "a@x"))).hasError()).isFalse();
        TxnResponse r = f.stub().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "mine", 1, null, "a@x")))
                .build());
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.WRITE_CONFLICT);
        assertThat(r.getError().getSqlState()).isEqualTo("40001");
        assertThat(replica().lockCount()).isZero();
        // READ COMMITTED: the statement's snapshot is newer
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "mine", 1, null, "a@x")))
                .setForUpdateTs(26).build()));
    }

    @Test
    void anotherTransactionsLockFailsAPrewriteWithLocked() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, lock(1)).build()));
        TxnResponse r = f.stub().prewrite(prewrite(SHARD, 21, 1, mutation(Mutation.Kind.UPDATE, item(1, "x", 1, null, null)))
                .build());
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.LOCKED);
        assertThat(r.getError().getLock().getStartTs()).isEqualTo(20);
        assertThat(r.getError().getLock().getKind()).isEqualTo(io.tessera.protocol.proto.Lock.Kind.LOCK);
    }

    @Test
    void mutationsSeeTheTransactionsOwnLocksFirst() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 5, insert(item(5, "e", 5, null, null))).setClientId("c").setSeq(1).build()));
        TxnResponse again = f.stub().prewrite(prewrite(SHARD, 20, 5, insert(item(5, "e", 5, null, null))).setClientId("c")
                .setSeq(2).build());
        assertThat(again.getError().getCode()).as("the own insert is a live row").isEqualTo(Error.Code.DUPLICATE_KEY);
        assertThat(ok(f.stub().prewrite(prewrite(SHARD, 20, 5, delete(5)).setClientId("c").setSeq(3).build())).getApplied())
                .isEqualTo(1);
        assertThat(ok(f.stub().prewrite(prewrite(SHARD, 20, 5, insert(item(5, "e2", 5, null, null))).setClientId("c").setSeq(4)
                .build())).getApplied()).isEqualTo(1);
        assertThat(f.stub().prewrite(prewrite(SHARD, 20, 5, insert(item(1, "dup", 1, null, null))).build()).getError().getCode())
                .as("a committed row").isEqualTo(Error.Code.DUPLICATE_KEY);
        assertThat(ok(f.stub().prewrite(prewrite(SHARD, 20, 5, mutation(Mutation.Kind.UPDATE, item(9, "none", 1, null, null)))
                .build())).getApplied()).as("an update of a missing row changes nothing").isZero();
        assertThat(replica().lockCount()).as("but locks the key (it could be the primary)").isEqualTo(2);
        ok(f.stub().commitTxn(commit(SHARD, 20, 30, 5L)));
        assertThat(name(5, 30)).isEqualTo("e2");
        assertThat(name(9, 30)).isNull();
    }

    @Test
    void aRetriedPrewriteIsAnsweredNotAppliedTwice() {
        var req = prewrite(SHARD, 20, 2, insert(item(2, "b", 2, null, null))).setClientId("frontend-1").setSeq(7).build();
        assertThat(ok(f.stub().prewrite(req)).getApplied()).isEqualTo(1);
        long lsn = replica().lastLsn();
        assertThat(ok(f.stub().prewrite(req)).getApplied()).as("the first answer, not 23505 on its own lock").isEqualTo(1);
        assertThat(replica().lastLsn()).isEqualTo(lsn);
    }

    @Test
    void aCommitIsIdempotentAndSecondariesCommitWithoutThePrimary() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null, "a@x"))).build()));
        ok(f.stub().commitTxn(commit(SHARD, 20, 30, 1L)));
        assertThat(ok(f.stub().commitTxn(commit(SHARD, 20, 30, 1L))).getApplied()).as("a retry").isZero();
        assertThat(ok(f.stub().commitTxn(commit(SHARD, 20, 30, null))).getApplied()).as("nothing left").isZero();
        // a resolver rolling a secondary forward
        ok(f.stub().prewrite(prewrite(SHARD, 40, 99, insert(item(6, "f", 6, null, null))).setPrimary(
                io.tessera.node.TxnRequests.primary(NodeFixture.SHARD + 1, 99)).build()));
        assertThat(ok(f.stub().commitTxn(commit(SHARD, 40, 50, null))).getApplied()).isEqualTo(1);
        assertThat(name(6, 50)).isEqualTo("f");
        assertThat(name(1, 30)).isEqualTo("a2");
    }

    @Test
    void aPushedTransactionMustCommitAboveTheReader() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null, "a@x"))).build()));
        CheckTxnStatusResponse s = f.stub().checkTxnStatus(check(SHARD, 1, 20, 50));
        assertThat(s.getStatus()).isEqualTo(CheckTxnStatusResponse.Status.ALIVE);
        assertThat(s.getMinCommitTs()).isEqualTo(51);
        TxnResponse tooOld = f.stub().commitTxn(commit(SHARD, 20, 40, 1L));
        assertThat(tooOld.getError().getCode()).isEqualTo(Error.Code.COMMIT_TS_TOO_OLD);
        assertThat(tooOld.getMinCommitTs()).isEqualTo(51);
        assertThat(replica().lockCount()).isEqualTo(1);
        ok(f.stub().commitTxn(commit(SHARD, 20, 51, 1L)));
        assertThat(name(1, 50)).as("the reader's snapshot is unchanged").isEqualTo("a");
        assertThat(name(1, 51)).isEqualTo("a2");
    }

    @Test
    void selectForUpdateLocksWithoutChangingTheRow() {
        long versions = replica().versionCount();
        assertThat(ok(f.stub().prewrite(prewrite(SHARD, 20, 1, lock(1)).build())).getApplied()).isZero();
        assertThat(f.write(25, mutation(Mutation.Kind.UPDATE, item(1, "x", 1, null, null))).getError().getCode())
                .isEqualTo(Error.Code.LOCKED);
        ok(f.stub().commitTxn(commit(SHARD, 20, 30, 1L)));
        assertThat(replica().versionCount()).isEqualTo(versions);
        assertThat(name(1, 30)).isEqualTo("a");
        assertThat(replica().lockCount()).isZero();
    }

    @Test
    void uniqueValuesAreCheckedAgainstCommittedRowsOwnLocksAndOtherTransactions() {
        assertThat(f.stub().prewrite(prewrite(SHARD, 20, 7, insert(item(7, "g", 7, null, "a@x"))).build()).getError().getCode())
                .as("a committed row has a@x").isEqualTo(Error.Code.DUPLICATE_KEY);
        ok(f.stub().prewrite(prewrite(SHARD, 20, 7, insert(item(7, "g", 7, null, "g@x"))).build()));
        assertThat(f.stub().prewrite(prewrite(SHARD, 20, 7, insert(item(8, "h", 8, null, "g@x"))).build()).getError().getCode())
                .as("the transaction's own insert has g@x").isEqualTo(Error.Code.DUPLICATE_KEY);
        TxnResponse other = f.stub().prewrite(prewrite(SHARD, 21, 8, insert(item(8, "h", 8, null, "g@x"))).build());
        assertThat(other.getError().getCode()).as("another transaction's insert may commit").isEqualTo(Error.Code.LOCKED);
        assertThat(other.getError().getLock().getPk()).isEqualTo(pk(7));
        assertThat(f.write(25, insert(item(8, "h", 8, null, "g@x"))).getError().getCode())
                .as("a one-phase write too").isEqualTo(Error.Code.LOCKED);
        // the own delete of a@x frees the value for the same transaction
        ok(f.stub().prewrite(prewrite(SHARD, 20, 7, delete(1), insert(item(9, "i", 9, null, "a@x"))).build()));
    }

    @Test
    void heartbeatsExtendThePrimaryLock() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, lock(1)).setTtlMs(1_000).build()));
        long before = System.currentTimeMillis();
        ok(f.stub().txnHeartbeat(heartbeat(SHARD, 1, 20, 60_000)));
        CheckTxnStatusResponse s = f.stub().checkTxnStatus(check(SHARD, 1, 20, 0));
        assertThat(s.getStatus()).isEqualTo(CheckTxnStatusResponse.Status.ALIVE);
        assertThat(s.getExpiresAtMs()).isGreaterThanOrEqualTo(before + 60_000);
        assertThat(s.getMinCommitTs()).as("caller_ts 0 pushes nothing").isEqualTo(21);
    }

    @Test
    void aHeartbeatReportsOnlyARecordedRollback() {
        // the frontend heartbeats once it chose the primary key: it may overtake the prewrite
        ok(f.stub().txnHeartbeat(heartbeat(SHARD, 1, 33, 60_000)));
        ok(f.stub().prewrite(prewrite(SHARD, 33, 1, lock(1)).build()));
        ok(f.stub().commitTxn(commit(SHARD, 33, 40, 1L)));
        ok(f.stub().txnHeartbeat(heartbeat(SHARD, 1, 33, 60_000))); // committed: nothing to extend

        ok(f.stub().prewrite(prewrite(SHARD, 50, 2, lock(2)).build()));
        ok(f.stub().rollbackTxn(rollback(SHARD, 50, 2L)));
        assertThat(f.stub().txnHeartbeat(heartbeat(SHARD, 2, 50, 60_000)).getError().getCode())
                .isEqualTo(Error.Code.TXN_ABORTED);
    }
}
