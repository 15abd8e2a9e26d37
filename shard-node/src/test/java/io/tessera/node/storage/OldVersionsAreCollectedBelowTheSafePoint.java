package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.delete;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.TxnRequests.pk;
import static io.tessera.node.TxnRequests.prewrite;
import static io.tessera.node.TxnRequests.primary;
import static io.tessera.node.TxnRequests.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.node.NodeFixture;
import io.tessera.node.ShardException;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ShardRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.h2.mvstore.Cursor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version collection on a replica file: below the safe point only the version a read at the safe
 * point sees survives (none when it is a deletion), everything newer stays, reads at or above the
 * safe point answer as before, reads below it are refused, and the safe point survives a restart.
 */
class OldVersionsAreCollectedBelowTheSafePoint {
    static final ShardRef SHARD = ref(7, 1);
    static final long SAFE_POINT = 35;
    static final long[] READS = {35, 36, 40, 45, 50, 59, 60, 100};

    @TempDir
    Path dir;

    private Replica create(Path f) {
        return Replica.create(f, NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.SYNC);
    }

    private static Mutation update(long id, String name, int qty) {
        return mutation(Mutation.Kind.UPDATE, item(id, name, qty, null, null));
    }

    /**
     * Row 1: versions at 10, 20, 30, 50. Row 2: inserted at 10, deleted at 20. Row 3: inserted at 10,
     * deleted at 40. Row 4: only at 10. Row 5: at 10 and 20, then locked by transaction 60.
     */
    private static void history(Replica r) {
        r.write(10, List.of(insert(item(1, "a", 1, null, null)), insert(item(2, "b", 1, null, null)),
                insert(item(3, "c", 1, null, null)), insert(item(4, "d", 4, null, null)), insert(item(5, "e", 1, null, null))),
                "c", 1);
        r.write(20, List.of(update(1, "a", 2), delete(2), update(5, "e", 2)), "c", 2);
        r.write(30, List.of(update(1, "a", 3)), "c", 3);
        r.write(40, List.of(delete(3)), "c", 4);
        r.write(50, List.of(update(1, "a", 5)), "c", 5);
        r.transactions().prewrite(prewrite(SHARD, 60, 5, update(5, "e", 6)).build());
    }

    /** pk id -> the timestamps of its stored versions, newest first (the raw MVStore contents). */
    private static Map<Long, List<Long>> versions(Replica r) {
        Map<Long, List<Long>> out = new TreeMap<>();
        Cursor<byte[], byte[]> c = r.rowsMap().cursor(null);
        while (c.hasNext()) {
            byte[] key = c.next();
            long id = (Long) KeyCodec.decodeTuple(r.layout().pkTypes(), VersionedKeys.pkOf(key), 0)[0];
            out.computeIfAbsent(id, k -> new ArrayList<>()).add(VersionedKeys.tsOf(key));
        }
        return out;
    }

    /** The QTY_IDX entries as "id:qty". */
    private static List<String> qtyEntries(Replica r) {
        List<String> out = new ArrayList<>();
        Cursor<byte[], byte[]> c = r.indexMap().cursor(VersionedKeys.indexPrefix(2, VersionedKeys.EMPTY));
        while (c.hasNext()) {
            byte[] key = c.next();
            if (!VersionedKeys.startsWith(key, VersionedKeys.indexPrefix(2, VersionedKeys.EMPTY))) {
                break;
            }
            TableLayout.Index idx = r.layout().index(2);
            int len = VersionedKeys.indexTupleLength(key, idx.types());
            Object qty = KeyCodec.decodeTuple(idx.types(), key, 4)[0];
            Object id = KeyCodec.decodeTuple(r.layout().pkTypes(), Arrays.copyOfRange(key, 4 + len, key.length), 0)[0];
            out.add(id + ":" + qty);
        }
        return out;
    }

    /** What reads see at each timestamp: every row by key, and by QTY_IDX. */
    private static Map<Long, String> answers(Replica r) {
        Map<Long, String> out = new LinkedHashMap<>();
        for (long ts : READS) {
            StringBuilder b = new StringBuilder();
            for (long id = 1; id <= 5; id++) {
                b.append(Arrays.toString(r.readRow(pk(id).toByteArray(), ts))).append(' ');
            }
            Iterator<Object[]> byQty = r.scanIndex(2, ts, KeyRange.ALL);
            while (byQty.hasNext()) {
                b.append(Arrays.toString(byQty.next()));
            }
            out.put(ts, b.toString());
        }
        return out;
    }

    @Test
    void onlyWhatAReadAtTheSafePointSeesSurvivesBelowIt() {
        Path f = dir.resolve("r.mv.db");
        Map<Long, String> before;
        try (Replica r = create(f)) {
            history(r);
            before = answers(r);
            assertThat(versions(r).get(1L)).containsExactly(50L, 30L, 20L, 10L);

            r.raiseSafePoint(SAFE_POINT, 0);
            VersionCollector.Outcome o = new VersionCollector(r, 0).run();

            assertThat(o.complete()).isTrue();
            Map<Long, List<Long>> v = versions(r);
            assertThat(v.get(1L)).as("the newest at or below 35 (30) and the newer one").containsExactly(50L, 30L);
            assertThat(v).as("row 2 was deleted at 20, below the safe point: nothing of it is left").doesNotContainKey(2L);
            assertThat(v.get(3L)).as("a deletion above the safe point keeps what it deleted").containsExactly(40L, 10L);
            assertThat(v.get(4L)).containsExactly(10L);
            assertThat(v.get(5L)).as("a locked key is left alone").containsExactly(20L, 10L);
            assertThat(o.versions()).isEqualTo(4); // 1@20, 1@10, 2@20, 2@10
            assertThat(qtyEntries(r)).as("entries of collected versions are gone; those of the lock stay")
                    .containsExactlyInAnyOrder("1:3", "1:5", "3:1", "4:4", "5:1", "5:2", "5:6");
            assertThat(answers(r)).as("reads at and above the safe point").isEqualTo(before);

            assertThatThrownBy(() -> r.gcHorizon().admitRead(SAFE_POINT - 1, SAFE_POINT - 1))
                    .isInstanceOfSatisfying(ShardException.class, e -> {
                        assertThat(e.code()).isEqualTo(Error.Code.SNAPSHOT_TOO_OLD);
                        assertThat(e.sqlState()).isEqualTo("72000");
                    });
            r.gcHorizon().admitRead(0, 50).run(); // the latest state is always readable
            r.gcHorizon().admitRead(SAFE_POINT, SAFE_POINT).run();
        }
        try (Replica r = Replica.open(f, Durability.SYNC)) {
            assertThat(r.gcHorizon().safePoint()).as("persisted in the replica file").isEqualTo(SAFE_POINT);
            assertThat(versions(r).get(1L)).containsExactly(50L, 30L);
            assertThat(answers(r)).isEqualTo(before);
            assertThatThrownBy(() -> r.gcHorizon().checkReadable(20)).isInstanceOf(ShardException.class);
            assertThat(r.raiseSafePoint(30, 0)).as("the safe point is never lowered").isFalse();
            assertThat(r.gcHorizon().safePoint()).isEqualTo(SAFE_POINT);
            try (Replica.Snapshot s = r.openSnapshot()) {
                assertThat(s.gcSafePoint()).as("a snapshot carries it to new followers").isEqualTo(SAFE_POINT);
            }
        }
    }

    @Test
    void aReadInProgressKeepsWhatItReads() {
        try (Replica r = create(dir.resolve("r.mv.db"))) {
            history(r);
            Runnable read = r.gcHorizon().admitRead(25, 25); // admitted before the safe point rose
            r.raiseSafePoint(SAFE_POINT, 0);
            new VersionCollector(r, 0).run();
            assertThat(r.readRow(pk(1).toByteArray(), 25)[2]).as("row 1 at 25 is the version of 20").isEqualTo(2);
            assertThat(versions(r).get(1L)).containsExactly(50L, 30L, 20L);
            read.run();
            new VersionCollector(r, 0).run();
            assertThat(versions(r).get(1L)).containsExactly(50L, 30L);
        }
    }

    @Test
    void transactionsOlderThanTheSafePointCannotWriteOrCommitAndTheirRecordsGo() {
        try (Replica r = create(dir.resolve("r.mv.db"))) {
            history(r);
            // 12 committed at 13 and 25 rolled back: their records are below the safe point
            r.transactions().prewrite(prewrite(SHARD, 12, 6, insert(item(6, "f", 6, null, null))).build());
            r.transactions().commit(12, 13, pk(6));
            r.transactions().prewrite(prewrite(SHARD, 25, 7, insert(item(7, "g", 7, null, null))).build());
            r.transactions().rollback(25, pk(7));
            // 30 is open with its primary here; 32 is open with its primary on another shard
            r.transactions().prewrite(prewrite(SHARD, 30, 8, insert(item(8, "h", 8, null, null))).build());
            r.transactions().prewrite(prewrite(SHARD, 32, 9, insert(item(9, "i", 9, null, null)))
                    .setPrimary(primary(99, 1)).build());

            r.raiseSafePoint(SAFE_POINT, 0);
            assertThat(r.transactions().locksBelow(SAFE_POINT, 10)).extracting(l -> l.getStartTs())
                    .as("what the coordinator resolves").containsExactly(30L, 32L);
            assertThatThrownBy(() -> r.transactions().prewrite(prewrite(SHARD, 34, 10, insert(item(10, "j", 1, null, null))).build()))
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.TXN_ABORTED));
            assertThatThrownBy(() -> r.transactions().commit(30, 70, pk(8))).as("the commit point of an old transaction")
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.TXN_ABORTED));
            assertThat(r.transactions().commit(12, 13, pk(6))).as("a retried commit from before is still answered").isZero();
            assertThat(r.transactions().commit(32, 33, null)).as("lock resolution still commits secondaries").isEqualTo(1);
            assertThat(r.transactions().rollback(30, pk(8))).as("and rolls back").isEqualTo(1);

            // 12; 25 and 30 with the abort records of their locks
            assertThat(r.txnRecords.map().sizeAsLong()).isEqualTo(5);
            r.raiseSafePoint(SAFE_POINT, SAFE_POINT);
            VersionCollector.Outcome o = new VersionCollector(r, 0).run();
            assertThat(o.records()).isEqualTo(5);
            assertThat(r.txnRecords.map().sizeAsLong()).isZero();
            assertThat(r.readRow(pk(6).toByteArray(), SAFE_POINT)[1]).isEqualTo("f");
            assertThat(r.readRow(pk(9).toByteArray(), SAFE_POINT)[1]).isEqualTo("i");
            assertThat(r.transactions().locksBelow(Long.MAX_VALUE, 10)).extracting(l -> l.getStartTs()).containsExactly(60L);
        }
    }

    @Test
    void rangeScansAtTheSafePointMatchAfterCollectingManyVersionsInChunks() {
        try (Replica r = create(dir.resolve("r.mv.db"))) {
            long seq = 0;
            for (int round = 1; round <= 5; round++) {
                List<Mutation> m = new ArrayList<>();
                for (int id = 1; id <= 600; id++) {
                    m.add(round == 1 ? insert(item(id, "r1", 1, null, null)) : update(id, "r" + round, round));
                }
                r.write(round * 100L, m, "c", ++seq);
            }
            r.raiseSafePoint(350, 0);
            List<String> before = scanAll(r, 350);
            VersionCollector.Outcome o = new VersionCollector(r, 0).run();
            assertThat(o.versions()).as("rounds 1 and 2 of 600 rows").isEqualTo(1200);
            assertThat(o.indexEntries()).isEqualTo(1200);
            assertThat(r.versionCount()).isEqualTo(1800);
            assertThat(scanAll(r, 350)).isEqualTo(before);
        }
    }

    private static List<String> scanAll(Replica r, long ts) {
        List<String> out = new ArrayList<>();
        r.scan(ts, KeyRange.ALL).forEachRemaining(row -> out.add(Arrays.toString(row)));
        r.scanIndex(2, ts, KeyRange.of(new ColumnType[] {ColumnType.INTEGER}, null, true, null, true))
                .forEachRemaining(row -> out.add(Arrays.toString(row)));
        return out;
    }
}
