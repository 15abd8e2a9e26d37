package io.tessera.node.replication;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.TxnRequests.check;
import static io.tessera.node.TxnRequests.commit;
import static io.tessera.node.TxnRequests.prewrite;
import static io.tessera.node.TxnRequests.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.TxnResponse;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Locks, pushes and records are log entries: followers hold them, and a promoted follower finishes the transaction. */
class TransactionsContinueOnAPromotedFollower {
    static final long SHARD = ReplicaGroupFixture.SHARD;
    static final Set<Error.Code> FAILOVER = Set.of(Error.Code.NOT_SERVING, Error.Code.NOT_PRIMARY, Error.Code.STALE_EPOCH);
    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    /** Retries {@code call} while the shard is failing over, as the frontend does. */
    private static <T> T retry(Supplier<T> call, Function<T, Error> error) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            T r = call.get();
            Error e = error.apply(r);
            if (e.getCode() == Error.Code.OK || !FAILOVER.contains(e.getCode()) || System.currentTimeMillis() > deadline) {
                return r;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aPromotedFollowerCommitsAPrewrittenTransaction() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings());
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        ShardRef e1 = ref(SHARD, 1);
        TxnResponse p = retry(() -> g.stub("n1").prewrite(prewrite(e1, 20, 1, insert(item(1, "a", 1, null, null)),
                insert(item(2, "b", 2, null, null))).build()), TxnResponse::getError);
        assertThat(p.hasError()).as("%s", p.getError()).isFalse();
        assertThat(g.replica("n2").lockCount()).as("acknowledged: on every sync-set member").isEqualTo(2);
        assertThat(g.replica("n3").lockCount()).isEqualTo(2);
        assertThat(g.stub("n1").checkTxnStatus(check(e1, 1, 20, 50)).getMinCommitTs()).isEqualTo(51);

        g.oracle.set(1_000);
        g.stop("n1");
        g.install(ReplicaGroupFixture.state(2, "n2", List.of("n2", "n3"), List.of("n2", "n3")), "n2", "n3");
        ShardRef e2 = ref(SHARD, 2);
        TxnResponse tooOld = retry(() -> g.stub("n2").commitTxn(commit(e2, 20, 40, 1L)), TxnResponse::getError);
        assertThat(tooOld.getError().getCode()).as("the push survived the failover").isEqualTo(Error.Code.COMMIT_TS_TOO_OLD);
        TxnResponse c = g.stub("n2").commitTxn(commit(e2, 20, 60, 1L));
        assertThat(c.hasError()).as("%s", c.getError()).isFalse();
        assertThat(c.getApplied()).isEqualTo(2);
        assertThat(g.replica("n3").lockCount()).isZero();
        assertThat(g.contents("n3")).isEqualTo(g.contents("n2")).hasSize(2);

        // the new primary does not know which reads n1 served: one-phase writes commit above an oracle timestamp
        WriteResponse w = retry(() -> g.stub("n2").write(WriteRequest.newBuilder().setShard(e2).setCommitTs(70)
                .setSchemaVersion(1).addMutations(ReplicaGroupFixture.row(9)).setClientId("w").setSeq(1).build()),
                WriteResponse::getError);
        assertThat(w.hasError()).as("%s", w.getError()).isFalse();
        assertThat(w.getCommitTs()).isGreaterThan(1_000);
    }

    @Test
    void aPromotedPrimaryAcceptsOnePhaseWritesOnlyWithAnOracleTimestamp() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings().withStallTimeout(java.time.Duration.ofSeconds(1)));
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(retry(() -> g.insert("n1", 1, 10, 1), WriteResponse::getError).hasError()).isFalse();
        g.oracleDown = true;
        g.stop("n1");
        g.install(ReplicaGroupFixture.state(2, "n2", List.of("n2", "n3"), List.of("n2", "n3")), "n2", "n3");
        Thread.sleep(600); // past the old primary's lease
        WriteResponse refused = g.insert("n2", 2, 20, 2);
        assertThat(refused.getError().getCode()).isEqualTo(Error.Code.NOT_SERVING);
        assertThat(g.contents("n2")).hasSize(1);
        // transactions do not depend on it: their commit_ts comes from the oracle through the client
        TxnResponse p = g.stub("n2").prewrite(prewrite(ref(SHARD, 2), 30, 3, insert(item(3, "c", 3, null, null))).build());
        assertThat(p.hasError()).as("%s", p.getError()).isFalse();
        g.oracle.set(5_000);
        g.oracleDown = false;
        WriteResponse w = retry(() -> g.insert("n2", 2, 20, 2), WriteResponse::getError);
        assertThat(w.hasError()).as("%s", w.getError()).isFalse();
        assertThat(w.getCommitTs()).isGreaterThan(5_000);
    }

    @Test
    void aFollowerCatchingUpFromASnapshotGetsTheLocks() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings().withLogRetention(5));
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(retry(() -> g.insert("n1", 1, 10, 1), WriteResponse::getError).hasError()).isFalse();
        g.stop("n3");
        ShardRef e1 = ref(SHARD, 1);
        assertThat(g.stub("n1").prewrite(prewrite(e1, 20, 2, insert(item(2, "b", 2, null, null))).build()).hasError()).isFalse();
        for (int i = 0; i < 20; i++) {
            assertThat(g.insert("n1", 1, 100 + i, 100 + i).hasError()).isFalse();
        }
        ReplicaGroupFixture.await("the primary trimmed its log", () -> g.replica("n1").positions().firstLsn() > 3);
        g.start("n3");
        ReplicaGroupFixture.await("n3 installed a snapshot", () -> g.replica("n3").positions().firstLsn() > 3
                && g.replica("n3").lastLsn() == g.replica("n1").lastLsn());
        assertThat(g.replica("n3").lockCount()).isEqualTo(1);
        assertThat(g.stub("n1").commitTxn(commit(e1, 20, 200, 2L)).hasError()).isFalse();
        ReplicaGroupFixture.await("n3 committed it too", () -> g.replica("n3").lockCount() == 0
                && g.contents("n3").equals(g.contents("n1")));
        assertThat(g.contents("n3")).anyMatch(r -> r.startsWith("[2, b"));
    }
}
