package io.tessera.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.ReplicaStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary forgets what a follower acknowledged when the follower goes away (its Append fails, it
 * answers NOT_REPLICA, it leaves the sync set, its node registers again) and proposes it for the
 * sync set only once it handshook again and acknowledged the primary's last lsn; refused proposals
 * back off; an unreachable follower's address is not looked up in ZooKeeper every heartbeat.
 */
class AFollowerIsAddedToTheSyncSetOnlyOnFreshAcknowledgements {
    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @BeforeEach
    void setUp() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings());
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(g.insert("n1", 1, 10, 1, 2).hasError()).isFalse();
        ReplicaGroupFixture.await("n3 acknowledged the last write",
                () -> g.replica("n3").lastLsn() == g.replica("n1").lastLsn());
    }

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    /** The coordinator removes a follower whose node died while the shard was idle (it had acked everything). */
    private void coordinatorDropsN3FromTheSyncSet() throws Exception {
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2")), "n1");
    }

    private List<String> primarysSyncSet() {
        ReplicaStatus s = g.nodes.get("n1").replication().status(g.replica("n1"));
        return s.getSyncSetList();
    }

    @Test
    void aFollowerThatDiedIsNotProposedOnTheAcknowledgementsItSentBefore() throws Exception {
        g.stop("n3");
        coordinatorDropsN3FromTheSyncSet();
        Thread.sleep(1_000); // many heartbeats, and within the replication timeout of n3's last ack at first
        assertThat(g.addsOf("n3")).as("asked to add the dead n3: %s", g.changes).isZero();
        assertThat(primarysSyncSet()).doesNotContain("n3");
        var w = g.insert("n1", 1, 20, 3);
        assertThat(w.hasError()).as("writes do not wait for the dead follower: %s", w.getError()).isFalse();
    }

    @Test
    void aFollowerThatCameBackWithAWipedDiskIsAddedOnlyAfterItWasFilledAgain() throws Exception {
        g.stop("n3");
        try (var files = java.nio.file.Files.walk(dir.resolve("n3"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        g.start("n3"); // same node id, empty data directory: it holds no replica of the shard
        coordinatorDropsN3FromTheSyncSet();
        Thread.sleep(1_000);
        assertThat(g.addsOf("n3")).as("asked to add the empty n3: %s", g.changes).isZero();
        assertThat(primarysSyncSet()).doesNotContain("n3");
        assertThat(g.insert("n1", 1, 20, 3).hasError()).isFalse();

        // the coordinator reopens the replica empty on n3; the primary fills it and only then adds it
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2")), "n3");
        ReplicaGroupFixture.await("n3 is back in the sync set", () -> {
            try {
                return g.zkState().getSyncSetList().contains("n3");
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(g.contents("n3")).isEqualTo(g.contents("n1"));
    }

    @Test
    void aFollowerWhoseNodeRegisteredAgainHandshakesBeforeItCounts() throws Exception {
        g.stop("n3");
        g.start("n3"); // restarted on the same data: it still has every entry
        ReplicaGroupFixture.await("n3 acknowledges again",
                () -> g.replica("n3").lastLsn() == g.replica("n1").lastLsn());
        assertThat(g.insert("n1", 1, 20, 3).hasError()).isFalse();
        assertThat(g.replica("n3").lastLsn()).as("waited for n3 again").isEqualTo(g.replica("n1").lastLsn());
    }

    @Test
    void refusedAddsBackOffExponentially() throws Exception {
        g.refuseAdds.add("n3");
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2")), "n1", "n2", "n3");
        Thread.sleep(2_500); // 50 heartbeats
        long asked = g.addsOf("n3");
        assertThat(asked).as("add retries in 2.5 s: %s", g.changes).isBetween(1L, 6L);
        assertThat(primarysSyncSet()).as("not waited for while refused").doesNotContain("n3");
        assertThat(g.insert("n1", 1, 20, 3).hasError()).isFalse();

        g.refuseAdds.clear();
        ReplicaGroupFixture.await("n3 is added once the coordinator accepts", () -> {
            try {
                return g.zkState().getSyncSetList().contains("n3");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void anUnreachableFollowersAddressIsLookedUpWithBackoff() throws Exception {
        Peers peers = g.nodes.get("n1").replication().peers();
        g.stop("n3");
        coordinatorDropsN3FromTheSyncSet();
        Thread.sleep(500);
        long before = peers.lookupCount.get();
        Thread.sleep(2_500); // 50 heartbeats of the shard's replicator to n3
        long lookups = peers.lookupCount.get() - before;
        assertThat(lookups).as("ZooKeeper lookups of the dead n3 in 2.5 s").isLessThanOrEqualTo(5);
        assertThat(g.insert("n1", 1, 20, 3).hasError()).isFalse();
    }
}
