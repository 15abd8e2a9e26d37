package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.TxnRequests.check;
import static io.tessera.node.TxnRequests.commit;
import static io.tessera.node.TxnRequests.prewrite;
import static io.tessera.node.TxnRequests.rollback;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.CheckTxnStatusResponse.Status;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.TxnResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CheckTxnStatus on the primary's shard: expired locks are rolled back, live ones pushed, the record decides. */
class CheckTxnStatusDecidesAbandonedTransactions {
    static final ShardRef SHARD = NodeFixture.ref();
    NodeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private Replica replica() {
        return f.node.replicas().require(NodeFixture.SHARD);
    }

    private void ok(TxnResponse r) {
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
    }

    @Test
    void anExpiredTransactionIsRolledBackWithAllItsLocksOnTheShard() throws Exception {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, insert(item(1, "a", 1, null, null)), insert(item(2, "b", 2, null, null)))
                .setTtlMs(1).build()));
        Thread.sleep(5);
        CheckTxnStatusResponse s = f.stub().checkTxnStatus(check(SHARD, 1, 20, 30));
        assertThat(s.getStatus()).isEqualTo(Status.ROLLED_BACK);
        assertThat(replica().lockCount()).isZero();
        assertThat(f.stub().commitTxn(commit(SHARD, 20, 40, 1L)).getError().getCode()).isEqualTo(Error.Code.TXN_ABORTED);
        assertThat(f.stub().checkTxnStatus(check(SHARD, 1, 20, 30)).getStatus()).as("recorded").isEqualTo(Status.ROLLED_BACK);
        assertThat(f.get(1, 100)).isNull();
    }

    @Test
    void aLiveTransactionIsAliveAndPushedAboveTheCaller() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, insert(item(1, "a", 1, null, null))).build()));
        CheckTxnStatusResponse writer = f.stub().checkTxnStatus(check(SHARD, 1, 20, 0));
        assertThat(writer.getStatus()).isEqualTo(Status.ALIVE);
        assertThat(writer.getMinCommitTs()).isEqualTo(21);
        assertThat(writer.getExpiresAtMs()).isGreaterThan(System.currentTimeMillis());
        long lsn = replica().lastLsn();
        CheckTxnStatusResponse reader = f.stub().checkTxnStatus(check(SHARD, 1, 20, 35));
        assertThat(reader.getStatus()).isEqualTo(Status.ALIVE);
        assertThat(reader.getMinCommitTs()).isEqualTo(36);
        assertThat(replica().lastLsn()).as("the push is a log entry").isEqualTo(lsn + 1);
        assertThat(f.stub().checkTxnStatus(check(SHARD, 1, 20, 30)).getMinCommitTs()).as("never lowered").isEqualTo(36);
        assertThat(replica().lastLsn()).isEqualTo(lsn + 1);
    }

    @Test
    void withoutALockTheRecordDecides() {
        ok(f.stub().prewrite(prewrite(SHARD, 20, 1, insert(item(1, "a", 1, null, null))).build()));
        ok(f.stub().commitTxn(commit(SHARD, 20, 30, 1L)));
        CheckTxnStatusResponse s = f.stub().checkTxnStatus(check(SHARD, 1, 20, 50));
        assertThat(s.getStatus()).isEqualTo(Status.COMMITTED);
        assertThat(s.getCommitTs()).isEqualTo(30);
        TxnResponse refused = f.stub().rollbackTxn(rollback(SHARD, 20, 1L));
        assertThat(refused.getError().getCode()).as("a committed primary").isEqualTo(Error.Code.BAD_REQUEST);
        assertThat(f.get(1, 30)[1]).isEqualTo("a");
    }

    @Test
    void noLockAndNoRecordIsRecordedAsRolledBackSoALatePrewriteFails() {
        assertThat(f.stub().checkTxnStatus(check(SHARD, 1, 20, 50)).getStatus()).isEqualTo(Status.ROLLED_BACK);
        TxnResponse late = f.stub().prewrite(prewrite(SHARD, 20, 1, insert(item(1, "a", 1, null, null))).build());
        assertThat(late.getError().getCode()).isEqualTo(Error.Code.TXN_ABORTED);
        assertThat(replica().lockCount()).isZero();
        assertThat(f.stub().commitTxn(commit(SHARD, 20, 30, 1L)).getError().getCode()).isEqualTo(Error.Code.TXN_ABORTED);
    }
}
