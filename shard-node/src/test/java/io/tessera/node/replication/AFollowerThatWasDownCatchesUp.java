package io.tessera.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AFollowerThatWasDownCatchesUp {
    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    private void writeWhileN3IsDown(int batches, long firstTs) throws Exception {
        g.stop("n3");
        for (int i = 0; i < batches; i++) {
            var w = g.insert("n1", 1, firstTs + i, 1000 + 2L * i + firstTs, 1001 + 2L * i + firstTs);
            assertThat(w.hasError()).as("write %d: %s", i, w.getError()).isFalse();
        }
        assertThat(g.zkState().getSyncSetList()).as("the silent follower was removed first").doesNotContain("n3");
    }

    @Test
    void fromTheLog() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings());
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(g.insert("n1", 1, 10, 1, 2).hasError()).isFalse();
        writeWhileN3IsDown(20, 100);
        g.start("n3");
        ReplicaGroupFixture.await("n3 has every row", () -> g.contents("n3").equals(g.contents("n1")));
        ReplicaGroupFixture.await("n3 is back in the sync set", () -> {
            try {
                return g.zkState().getSyncSetList().contains("n3");
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(g.replica("n3").positions().firstLsn()).as("no snapshot was needed").isEqualTo(1);
        // and it is waited for again: an acknowledged write is on n3
        assertThat(g.insert("n1", 1, 500, 5).hasError()).isFalse();
        assertThat(g.replica("n3").lastLsn()).isEqualTo(g.replica("n1").lastLsn());
    }

    @Test
    void fromASnapshotWhenTheLogWasTrimmed() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings().withLogRetention(5));
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(g.insert("n1", 1, 10, 1, 2).hasError()).isFalse();
        writeWhileN3IsDown(30, 100);
        ReplicaGroupFixture.await("the primary trimmed its log", () -> g.replica("n1").positions().firstLsn() > 2);
        g.start("n3");
        ReplicaGroupFixture.await("n3 has every row", () -> g.contents("n3").equals(g.contents("n1")));
        assertThat(g.replica("n3").positions().firstLsn()).as("installed from a snapshot").isGreaterThan(2);
        assertThat(g.replica("n3").indexEntryCount()).isEqualTo(g.replica("n1").indexEntryCount());
        assertThat(g.insert("n1", 1, 500, 5).hasError()).isFalse();
        ReplicaGroupFixture.await("n3 follows the log again",
                () -> g.replica("n3").lastLsn() == g.replica("n1").lastLsn());
    }
}
