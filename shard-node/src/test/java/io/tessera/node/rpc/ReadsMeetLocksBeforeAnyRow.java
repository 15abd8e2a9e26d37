package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.delete;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.NodeFixture.scanRequest;
import static io.tessera.node.TxnRequests.get;
import static io.tessera.node.TxnRequests.lock;
import static io.tessera.node.TxnRequests.pk;
import static io.tessera.node.TxnRequests.prewrite;
import static io.tessera.node.TxnRequests.reader;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.node.TxnRequests;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.KeyBound;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.TxnRead;
import io.tessera.protocol.proto.TxnResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reads inside and outside transactions: another transaction's lock that may commit at or below
 * read_ts (its min_commit_ts, not its start_ts, which only identifies it) fails the read with LOCKED
 * before any row; the reader's own locks read as its writes.
 */
class ReadsMeetLocksBeforeAnyRow {
    static final ShardRef SHARD = NodeFixture.ref();
    NodeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
        assertThat(f.write(10, insert(item(1, "a", 1, null, null)), insert(item(3, "c", 3, null, null)),
                insert(item(5, "e", 5, null, null)), insert(item(7, "g", 7, null, null))).hasError()).isFalse();
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private void prewriteOk(long startTs, long primaryId, Mutation... ms) {
        TxnResponse r = f.stub().prewrite(prewrite(SHARD, startTs, primaryId, ms).build());
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
    }

    private static KeyBound bound(ColumnType t, long v) {
        Object value = t == ColumnType.INTEGER ? (Object) (int) v : (Object) v;
        return KeyBound.newBuilder().addValues(Values.toProto(t, value)).setInclusive(true).build();
    }

    private NodeFixture.ScanResult scan(long readTs, TxnRead txn, long lo, long hi) {
        ScanRequest.Builder b = scanRequest(readTs).setLower(bound(ColumnType.BIGINT, lo)).setUpper(bound(ColumnType.BIGINT, hi))
                .setBatchRows(1);
        if (txn != null) {
            b.setTxn(txn);
        }
        return f.scan(b.build(), NodeFixture.TYPES);
    }

    private NodeFixture.ScanResult byQty(long readTs, TxnRead txn, int lo, int hi) {
        ScanRequest.Builder b = scanRequest(readTs).setIndexId(2).setLower(bound(ColumnType.INTEGER, lo))
                .setUpper(bound(ColumnType.INTEGER, hi));
        if (txn != null) {
            b.setTxn(txn);
        }
        return f.scan(b.build(), NodeFixture.TYPES);
    }

    @Test
    void pointReadsAtOrAboveTheLocksMinCommitTsAreLockedUnlessTheyMayReadPast() {
        prewriteOk(20, 3, mutation(Mutation.Kind.UPDATE, item(3, "c2", 3, null, null)));
        assertThat(f.get(3, 19)[1]).isEqualTo("c");
        assertThat(f.stub().get(get(SHARD, 20, null, 3)).hasError()).as("it commits above 20").isFalse();
        GetResponse locked = f.stub().get(get(SHARD, 21, null, 1, 3));
        assertThat(locked.getError().getCode()).isEqualTo(Error.Code.LOCKED);
        assertThat(locked.getError().getLock().getPk()).isEqualTo(pk(3));
        assertThat(locked.getRowsCount()).isZero();
        GetResponse past = f.stub().get(get(SHARD, 30, reader(25, 20), 3));
        assertThat(past.hasError()).isFalse();
        assertThat(NodeFixture.ROWS.decode(past.getRows(0).toByteArray())[1]).as("the committed row").isEqualTo("c");
        assertThat(f.stub().get(get(SHARD, 30, reader(25, 19), 1)).hasError()).as("another key").isFalse();
    }

    @Test
    void aLockIsJudgedByTheSnapshotItCheckedFromNotByItsIdentity() {
        // a transaction identified by 1000 (a unique id) whose snapshot is 50: it commits above 50
        TxnResponse r = f.stub().prewrite(prewrite(SHARD, 1000, 3, mutation(Mutation.Kind.UPDATE,
                item(3, "c2", 3, null, null))).setForUpdateTs(50).build());
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
        assertThat(f.stub().get(get(SHARD, 49, null, 3)).hasError()).isFalse();
        assertThat(f.stub().get(get(SHARD, 60, null, 3)).getError().getCode())
                .as("below its identity, but it may commit at 60").isEqualTo(Error.Code.LOCKED);
        assertThat(f.stub().commitTxn(TxnRequests.commit(SHARD, 1000, 61, 3L)).hasError())
                .as("a commit below the identity").isFalse();
        assertThat(f.get(3, 60)[1]).isEqualTo("c");
        assertThat(f.get(3, 61)[1]).isEqualTo("c2");
    }

    @Test
    void theLatestStateIsLockedByALockAtOrBelowTheNewestCommit() {
        prewriteOk(8, 2, insert(item(2, "b", 2, null, null))); // start_ts 8 <= the newest commit (10)
        assertThat(f.stub().get(get(SHARD, 0, null, 2)).getError().getCode()).isEqualTo(Error.Code.LOCKED);
        prewriteOk(50, 5, lock(5)); // started after the newest commit: its commit will be above
        assertThat(f.stub().get(get(SHARD, 0, null, 5)).hasError()).isFalse();
    }

    @Test
    void aTransactionReadsItsOwnWrites() {
        prewriteOk(20, 3, mutation(Mutation.Kind.UPDATE, item(3, "c2", 33, null, null)), delete(5), lock(7),
                insert(item(4, "d", 4, null, null)));
        GetResponse own = f.stub().get(get(SHARD, 20, reader(20), 3, 4, 5, 7));
        assertThat(own.hasError()).as("%s", own.getError()).isFalse();
        assertThat(own.getFoundList()).containsExactly(true, true, false, true);
        assertThat(NodeFixture.ROWS.decode(own.getRows(0).toByteArray())[1]).isEqualTo("c2");
        assertThat(NodeFixture.ROWS.decode(own.getRows(1).toByteArray())[1]).isEqualTo("d");
        assertThat(NodeFixture.ROWS.decode(own.getRows(3).toByteArray())[1]).as("FOR UPDATE: the committed row").isEqualTo("g");
        NodeFixture.ScanResult scan = scan(20, reader(20), 0, 100);
        assertThat(scan.error()).isNull();
        assertThat(scan.ids()).as("own insert merged in key order, own delete gone").containsExactly(1L, 3L, 4L, 7L);
        assertThat(scan.rows()).extracting(r -> r[1]).containsExactly("a", "c2", "d", "g");
        assertThat(scan(20, reader(20), 4, 4).ids()).as("an own insert alone in the range").containsExactly(4L);
        assertThat(scan(20, reader(20), 8, 100).ids()).isEmpty();
        // index scan: the updated row moves from qty 3 to 33, the inserted one appears
        assertThat(byQty(20, reader(20), 0, 10).ids()).containsExactly(1L, 4L, 7L);
        assertThat(byQty(20, reader(20), 30, 40).ids()).containsExactly(3L);
    }

    @Test
    void scansAreLockedBeforeAnyRowWhenALockIsInTheirRange() {
        prewriteOk(20, 5, mutation(Mutation.Kind.UPDATE, item(5, "e2", 50, null, null)));
        NodeFixture.ScanResult all = scan(25, null, 0, 100);
        assertThat(all.error().getCode()).isEqualTo(Error.Code.LOCKED);
        assertThat(all.error().getLock().getPk()).isEqualTo(pk(5));
        assertThat(all.rows()).as("no row streamed before the error").isEmpty();
        assertThat(scan(25, null, 0, 4).ids()).as("a range without the lock").containsExactly(1L, 3L);
        assertThat(scan(25, null, 6, 100).ids()).containsExactly(7L);
        assertThat(scan(15, null, 0, 100).ids()).as("a snapshot before the lock").containsExactly(1L, 3L, 5L, 7L);
        assertThat(scan(25, reader(30, 20), 0, 100).ids()).as("bypassed").containsExactly(1L, 3L, 5L, 7L);
        // index: qty 5 -> 50; the old value and the new one are both covered
        assertThat(byQty(25, null, 4, 6).error().getCode()).as("the row visible at read_ts").isEqualTo(Error.Code.LOCKED);
        assertThat(byQty(25, null, 40, 60).error().getCode()).as("the lock's new row").isEqualTo(Error.Code.LOCKED);
        NodeFixture.ScanResult elsewhere = byQty(25, null, 0, 3);
        assertThat(elsewhere.error()).isNull();
        assertThat(elsewhere.ids()).containsExactly(1L, 3L);
    }

    @Test
    void aOnePhaseWriteOnALockedKeyIsLocked() {
        prewriteOk(20, 3, delete(3));
        var w = f.write(30, mutation(Mutation.Kind.UPDATE, item(1, "a2", 1, null, null)),
                mutation(Mutation.Kind.UPDATE, item(3, "c2", 3, null, null)));
        assertThat(w.getError().getCode()).isEqualTo(Error.Code.LOCKED);
        assertThat(w.getError().getLock().getPk()).isEqualTo(pk(3));
        assertThat(f.get(1, 100)[1]).as("the batch is all or nothing").isEqualTo("a");
    }
}
