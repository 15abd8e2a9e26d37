package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.TxnRequests.pk;
import static io.tessera.node.TxnRequests.prewrite;
import static io.tessera.node.TxnRequests.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tessera.node.NodeFixture;
import io.tessera.node.ShardException;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ShardRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Locks and transaction records on followers: applied from the log, undone by truncation, copied by snapshots, kept on disk. */
class LockEntriesAreUndoneAndCopiedLikeRows {
    static final ShardRef SHARD = ref(7, 1);
    @TempDir
    Path dir;

    private Replica create(String name) {
        return Replica.create(dir.resolve(name + ".mv.db"), NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(),
                Durability.SYNC);
    }

    private static String name(Replica r, long id, long ts) {
        Object[] row = r.readRow(pk(id).toByteArray(), ts);
        return row == null ? null : (String) row[1];
    }

    /** a: row 1 at 10 (lsn 1); transaction 20 updates 1 and inserts 2 (lsn 2); a reader pushes it to 51 (lsn 3). */
    private static void prepare(Replica a) {
        a.write(10, List.of(insert(item(1, "a", 1, null, "a@x"))), "c", 1);
        a.transactions().prewrite(prewrite(SHARD, 20, 1, mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null, "a@x")),
                insert(item(2, "b", 2, null, "b@x"))).build());
        assertThat(a.transactions().checkStatus(pk(1), 20, 50).getMinCommitTs()).isEqualTo(51);
    }

    @Test
    void truncationRestoresThePreviousLocksAndForgetsRecords() {
        try (Replica a = create("a"); Replica b = create("b")) {
            prepare(a);
            a.transactions().commit(20, 60, pk(1)); // lsn 4
            b.appendEntries(-1, a.entries(1, 1 << 20), 4);
            assertThat(b.lockCount()).isZero();
            assertThat(name(b, 1, 60)).isEqualTo("a2");
            assertThat(b.transactions().checkStatus(pk(1), 20, 0).getStatus()).isEqualTo(CheckTxnStatusResponse.Status.COMMITTED);

            b.truncateTo(2); // undo the commit and the push
            assertThat(b.lockCount()).isEqualTo(2);
            assertThat(name(b, 1, 100)).isEqualTo("a");
            assertThat(name(b, 2, 100)).isNull();
            CheckTxnStatusResponse s = b.transactions().checkStatus(pk(1), 20, 0);
            assertThat(s.getStatus()).as("the record is gone, the lock back").isEqualTo(CheckTxnStatusResponse.Status.ALIVE);
            assertThat(s.getMinCommitTs()).as("as before the push").isEqualTo(21);

            b.truncateTo(1); // undo the prewrite
            assertThat(b.lockCount()).isZero();
            assertThat(b.transactions().commit(20, 30, null)).as("no lock of the transaction is left").isZero();
        }
    }

    @Test
    void aSnapshotCarriesLocksAndRecords() {
        try (Replica a = create("a"); Replica b = create("b")) {
            prepare(a);
            a.transactions().prewrite(prewrite(SHARD, 70, 3, insert(item(3, "c", 3, null, null))).build());
            a.transactions().rollback(70, pk(3));
            Replica.Snapshot s = a.openSnapshot();
            b.beginSnapshot(s.schema());
            List<ByteString> rk = new ArrayList<>();
            List<ByteString> rv = new ArrayList<>();
            List<ByteString> ik = new ArrayList<>();
            List<ByteString> lk = new ArrayList<>();
            List<ByteString> lv = new ArrayList<>();
            List<ByteString> tk = new ArrayList<>();
            List<ByteString> tv = new ArrayList<>();
            while (s.rows().hasNext()) {
                rk.add(ByteString.copyFrom(s.rows().next()));
                rv.add(ByteString.copyFrom(s.rows().getValue()));
            }
            while (s.index().hasNext()) {
                ik.add(ByteString.copyFrom(s.index().next()));
            }
            while (s.locks().hasNext()) {
                lk.add(ByteString.copyFrom(s.locks().next()));
                lv.add(ByteString.copyFrom(s.locks().getValue()));
            }
            while (s.txnRecords().hasNext()) {
                tk.add(ByteString.copyFrom(s.txnRecords().next()));
                tv.add(ByteString.copyFrom(s.txnRecords().getValue()));
            }
            b.installChunk(rk, rv, ik, lk, lv, tk, tv);
            b.finishSnapshot(s.lsn(), s.epochs());
            s.close();
            assertThat(b.lockCount()).isEqualTo(2);
            assertThatThrownBy(() -> b.transactions().commit(70, 80, pk(3))).as("the recorded rollback came along")
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.TXN_ABORTED));
            assertThat(b.transactions().commit(20, 60, pk(1))).as("both locks found by start_ts").isEqualTo(2);
            assertThat(name(b, 1, 60)).isEqualTo("a2");
            assertThat(name(b, 2, 60)).isEqualTo("b");
        }
    }

    @Test
    void locksSurviveARestart() {
        Path f = dir.resolve("r.mv.db");
        try (Replica a = Replica.create(f, NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.SYNC)) {
            prepare(a);
        }
        try (Replica a = Replica.open(f, Durability.SYNC)) {
            assertThat(a.lockCount()).isEqualTo(2);
            assertThatThrownBy(() -> a.transactions().commit(20, 40, pk(1))).as("the push survived too")
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.minCommitTs()).isEqualTo(51));
            assertThat(a.transactions().commit(20, 60, pk(1))).isEqualTo(2);
            assertThat(name(a, 2, 60)).isEqualTo("b");
        }
    }
}
