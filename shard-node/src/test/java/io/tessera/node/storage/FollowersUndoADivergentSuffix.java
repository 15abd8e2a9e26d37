package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.node.NodeFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage side of reconciliation: resolved entries, truncation, epoch history, snapshots. */
class FollowersUndoADivergentSuffix {
    @TempDir
    Path dir;

    private static List<String> contents(Replica r) {
        List<String> out = new ArrayList<>();
        Iterator<Object[]> it = r.scan(Long.MAX_VALUE, KeyRange.ALL);
        while (it.hasNext()) {
            out.add(Arrays.toString(it.next()));
        }
        return out;
    }

    @Test
    void anOldPrimarysUnacknowledgedEntriesAreTruncatedAndReplaced() {
        try (Replica a = Replica.create(dir.resolve("a.mv.db"), NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.SYNC);
                Replica b = Replica.create(dir.resolve("b.mv.db"), NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.SYNC)) {
            a.write(10, List.of(insert(item(1, "a", 1, null, "x@y"))), "c", 1);
            a.write(20, List.of(insert(item(2, "b", 2, null, null))), "c", 2);
            b.appendEntries(-1, a.entries(1, 1 << 20), 2);
            a.write(30, List.of(insert(item(3, "lost", 3, null, null))), "c", 3); // never reaches b
            // b becomes primary of epoch 2 and writes
            b.adoptState(NodeFixture.state(7, 2, "b"));
            b.beginEpoch(2);
            b.write(40, List.of(insert(item(4, "d", 4, null, null))), "c", 4);
            Replica.Positions pa = a.positions();
            assertThat(pa.lastLsn()).isEqualTo(3);
            assertThat(pa.lastEpoch()).isEqualTo(1);
            assertThat(b.epochHistory()).as("b's history").extracting(e -> e.getEpoch() + "@" + e.getStartLsn())
                    .containsExactly("1@1", "2@3");
            long tp = b.truncationPoint(pa.lastLsn(), pa.lastEpoch());
            assertThat(tp).isEqualTo(2);
            a.appendEntries(tp, b.entries(tp + 1, 1 << 20), 3);
            assertThat(contents(a)).isEqualTo(contents(b)).hasSize(3);
            assertThat(a.positions().lastEpoch()).isEqualTo(2);
            assertThat(a.epochHistory()).isEqualTo(b.epochHistory());
            assertThat(a.versionCount()).isEqualTo(b.versionCount());
            // a retry of the truncated write is not found in the dedup table; b's write is
            assertThat(a.write(40, List.of(insert(item(4, "d", 4, null, null))), "c", 4)).isEqualTo(1);
            assertThat(a.lastLsn()).as("answered from the dedup table").isEqualTo(3);
        }
    }

    @Test
    void theLogSurvivesARestartAndEntriesMustContinueIt() {
        Path f = dir.resolve("r.mv.db");
        try (Replica r = Replica.create(f, NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.SYNC)) {
            r.write(10, List.of(insert(item(1, "a", 1, null, null))), "c", 1);
            r.write(20, List.of(insert(item(2, "b", 2, null, null))), "c", 2);
        }
        try (Replica r = Replica.open(f, Durability.SYNC)) {
            assertThat(r.positions().lastLsn()).isEqualTo(2);
            assertThat(r.positions().lastEpoch()).isEqualTo(1);
            assertThat(r.entries(1, 1 << 20)).hasSize(2);
            assertThat(r.write(20, List.of(insert(item(2, "b", 2, null, null))), "c", 2))
                    .as("a retry after the restart is answered from the dedup table").isEqualTo(1);
            assertThat(r.lastLsn()).isEqualTo(2);
            var gap = r.entries(1, 1 << 20).get(0).toBuilder().setLsn(5).build();
            assertThatThrownBy(() -> r.appendEntries(-1, List.of(gap), 0)).isInstanceOf(Replica.LogMismatch.class);
            r.trimLog(1);
            assertThat(r.positions().firstLsn()).isEqualTo(2);
            assertThat(r.entries(1, 1 << 20)).as("trimmed: a follower needs a snapshot").isNull();
            assertThatThrownBy(() -> r.truncateTo(0)).isInstanceOfSatisfying(Replica.LogMismatch.class,
                    e -> assertThat(e.snapshotNeeded()).isTrue());
        }
    }

    @Test
    void aSnapshotReplacesTheReplica() {
        try (Replica a = Replica.create(dir.resolve("a.mv.db"), NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.SYNC);
                Replica b = Replica.create(dir.resolve("b.mv.db"), NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.SYNC)) {
            for (int i = 1; i <= 10; i++) {
                a.write(10 * i, List.of(insert(item(i, "n" + i, i, null, "e" + i))), "c", i);
            }
            b.write(5, List.of(insert(item(99, "stale", 1, null, null))), "d", 1);
            Replica.Snapshot s = a.openSnapshot();
            a.write(1000, List.of(insert(item(11, "after", 1, null, null))), "c", 11); // not in the snapshot
            b.beginSnapshot(s.schema());
            List<com.google.protobuf.ByteString> keys = new ArrayList<>();
            List<com.google.protobuf.ByteString> values = new ArrayList<>();
            List<com.google.protobuf.ByteString> index = new ArrayList<>();
            while (s.rows().hasNext()) {
                keys.add(com.google.protobuf.ByteString.copyFrom(s.rows().next()));
                values.add(com.google.protobuf.ByteString.copyFrom(s.rows().getValue()));
            }
            while (s.index().hasNext()) {
                index.add(com.google.protobuf.ByteString.copyFrom(s.index().next()));
            }
            b.installChunk(keys, values, index);
            b.finishSnapshot(s.lsn(), s.epochs());
            s.close();
            assertThat(s.lsn()).isEqualTo(10);
            assertThat(contents(b)).hasSize(10).noneMatch(r -> r.contains("stale") || r.contains("after"));
            assertThat(b.positions().lastLsn()).isEqualTo(10);
            assertThat(b.positions().lastEpoch()).isEqualTo(1);
            b.appendEntries(-1, a.entries(11, 1 << 20), 11);
            assertThat(contents(b)).isEqualTo(contents(a));
        }
    }
}
