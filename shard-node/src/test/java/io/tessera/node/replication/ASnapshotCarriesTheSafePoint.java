package io.tessera.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.CollectGarbageRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that catches up by snapshot adopts the primary's GC safe point with the copy (which
 * may lack versions below it), so that, once promoted, it refuses the reads the primary refused.
 */
class ASnapshotCarriesTheSafePoint {
    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    @Test
    void aFollowerFilledBySnapshotRefusesWhatThePrimaryRefuses() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings().withLogRetention(5));
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(g.insert("n1", 1, 10, 1, 2).hasError()).isFalse();
        ReplicaGroupFixture.await("n3 has the first insert", () -> g.contents("n3").equals(g.contents("n1")));
        long n3Last = g.replica("n3").positions().lastLsn();
        g.stop("n3");
        for (int i = 0; i < 30; i++) {
            assertThat(g.insert("n1", 1, 100 + i, 1000 + i).hasError()).isFalse();
        }
        assertThat(g.stub("n1").collectGarbage(CollectGarbageRequest.newBuilder().setShardId(ReplicaGroupFixture.SHARD)
                .setSafePoint(115).build()).hasError()).isFalse();
        // beyond what n3 has: it cannot catch up from the log (under load the trim comes in steps)
        ReplicaGroupFixture.await("the primary trimmed its log", () -> g.replica("n1").positions().firstLsn() > n3Last + 1);

        g.start("n3");
        // rows land chunk by chunk before the snapshot's positions do: wait for the finished install first
        ReplicaGroupFixture.await("n3 installed a snapshot", () -> g.replica("n3").positions().firstLsn() > n3Last + 1);
        ReplicaGroupFixture.await("n3 has every row", () -> g.contents("n3").equals(g.contents("n1")));
        assertThat(g.replica("n3").gcHorizon().safePoint()).as("with the snapshot").isEqualTo(115);
        assertThat(g.replica("n2").gcHorizon().safePoint()).as("not through the log: n2 was not told").isZero();
    }
}
