package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.NodeFixture.scanRequest;
import static io.tessera.node.TxnRequests.get;
import static io.tessera.node.TxnRequests.pk;
import static io.tessera.node.TxnRequests.prewrite;
import static io.tessera.node.TxnRequests.reader;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.CollectGarbageRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ScanLocksRequest;
import io.tessera.protocol.proto.ScanLocksResponse;
import io.tessera.protocol.proto.TxnResponse;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CollectGarbage over gRPC: reads below the safe point fail with SNAPSHOT_TOO_OLD (72000), the
 * latest state and reads at the safe point still work, ScanLocks lists the locks below it, and
 * the node removes old versions in the background once the reads that were in progress ended.
 */
class CollectGarbageRefusesOldReadsAndCollectsInTheBackground {
    NodeFixture f;
    Replica replica;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
        replica = f.node.replicas().require(NodeFixture.SHARD);
        f.write(10, insert(item(1, "a", 1, null, null)));
        f.write(20, mutation(Mutation.Kind.UPDATE, item(1, "b", 2, null, null)));
        f.write(30, mutation(Mutation.Kind.UPDATE, item(1, "c", 3, null, null)));
        f.write(50, mutation(Mutation.Kind.UPDATE, item(1, "d", 5, null, null)));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private AdminResponse collect(long safePoint, long txnRecordsBelow) {
        return f.stub().collectGarbage(CollectGarbageRequest.newBuilder().setShardId(NodeFixture.SHARD)
                .setSafePoint(safePoint).setTxnRecordsBelow(txnRecordsBelow).build());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void readsBelowTheSafePointAreRefusedAndOldVersionsGo() throws Exception {
        // reads at 25 before the safe point rises: they end, so they hold nothing back afterwards
        assertThat(f.get(1, 25)[1]).isEqualTo("b");
        assertThat(f.scan(scanRequest(25).build(), NodeFixture.TYPES).rows()).hasSize(1);
        assertThat(replica.versionCount()).isEqualTo(4);

        assertThat(collect(40, 0).hasError()).isFalse();

        GetResponse old = f.stub().get(get(NodeFixture.ref(), 39, null, 1));
        assertThat(old.getError().getCode()).isEqualTo(Error.Code.SNAPSHOT_TOO_OLD);
        assertThat(old.getError().getSqlState()).isEqualTo("72000");
        assertThat(f.stub().get(get(NodeFixture.ref(), 39, reader(39), 1)).getError().getCode())
                .as("a transaction's read at its start_ts too").isEqualTo(Error.Code.SNAPSHOT_TOO_OLD);
        NodeFixture.ScanResult scan = f.scan(scanRequest(20).build(), NodeFixture.TYPES);
        assertThat(scan.error().getCode()).isEqualTo(Error.Code.SNAPSHOT_TOO_OLD);
        assertThat(scan.rows()).isEmpty();
        assertThat(f.get(1, 40)[1]).as("at the safe point").isEqualTo("c");
        assertThat(f.get(1, 0)[1]).as("the latest state").isEqualTo("d");

        await(() -> replica.versionCount() == 2, "versions 10 and 20 of row 1 are collected");
        assertThat(f.get(1, 40)[1]).isEqualTo("c");
        assertThat(f.get(1, 50)[1]).isEqualTo("d");
        assertThat(collect(30, 0).hasError()).as("a lower safe point is ignored, not an error").isFalse();
        assertThat(f.stub().get(get(NodeFixture.ref(), 35, null, 1)).getError().getCode())
                .isEqualTo(Error.Code.SNAPSHOT_TOO_OLD);
    }

    @Test
    void scanLocksListsTheLocksBelowAndRecordsGoOnceResolved() throws Exception {
        assertThat(f.stub().prewrite(prewrite(NodeFixture.ref(), 33, 2, insert(item(2, "x", 1, null, null))).build())
                .hasError()).isFalse();
        assertThat(f.stub().prewrite(prewrite(NodeFixture.ref(), 60, 3, insert(item(3, "y", 1, null, null))).build())
                .hasError()).isFalse();
        assertThat(collect(40, 0).hasError()).isFalse();

        ScanLocksResponse locks = f.stub().scanLocks(ScanLocksRequest.newBuilder().setShard(NodeFixture.ref())
                .setMaxStartTs(40).build());
        assertThat(locks.getLocksList()).hasSize(1);
        assertThat(locks.getLocks(0).getStartTs()).isEqualTo(33);
        assertThat(locks.getLocks(0).getPk()).isEqualTo(pk(2));
        assertThat(locks.getMore()).isFalse();

        TxnResponse commit = f.stub().commitTxn(io.tessera.node.TxnRequests.commit(NodeFixture.ref(), 33, 70, 2L));
        assertThat(commit.getError().getCode()).as("an old transaction cannot commit").isEqualTo(Error.Code.TXN_ABORTED);
        assertThat(f.stub().prewrite(prewrite(NodeFixture.ref(), 39, 4, insert(item(4, "z", 1, null, null))).build())
                .getError().getCode()).isEqualTo(Error.Code.TXN_ABORTED);
        assertThat(f.stub().rollbackTxn(io.tessera.node.TxnRequests.rollback(NodeFixture.ref(), 33, 2L)).hasError()).isFalse();
        assertThat(replica.txnRecordCount()).as("the rollback record of 33 and its abort record").isEqualTo(2);

        assertThat(collect(40, 40).hasError()).isFalse();
        await(() -> replica.txnRecordCount() == 0, "the records of 33 are collected");
        assertThat(f.stub().scanLocks(ScanLocksRequest.newBuilder().setShard(NodeFixture.ref()).setMaxStartTs(100).build())
                .getLocksList()).extracting(l -> l.getStartTs()).containsExactly(60L);
    }
}
