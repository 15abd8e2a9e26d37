package io.tessera.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.Error;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WritesStallWhileTheSyncSetCannotShrink {
    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @BeforeEach
    void setUp() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings().withStallTimeout(Duration.ofMillis(1500)));
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(g.insert("n1", 1, 10, 1).hasError()).isFalse();
    }

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    @Test
    void aWriteIsNotAcknowledgedWithFewerCopiesThanZooKeepersSyncSetAndItsRetrySucceedsLater() throws Exception {
        byte[] leader = g.curator.getData().forPath(ZkPaths.COORDINATOR_LEADER);
        g.curator.delete().forPath(ZkPaths.COORDINATOR_LEADER); // no coordinator to ask
        g.stop("n3");
        var w = g.insertAs(100, "n1", 1, 20, 2);
        assertThat(w.getError().getCode()).isEqualTo(Error.Code.NOT_SERVING);
        assertThat(g.zkState().getSyncSetList()).contains("n3");
        var read = g.get("n1", 1, 30, 1);
        assertThat(read.getError().getCode()).as("no read lease without n3's acks").isEqualTo(Error.Code.NOT_SERVING);

        g.curator.create().forPath(ZkPaths.COORDINATOR_LEADER, leader); // the coordinator is back
        ReplicaGroupFixture.await("n3 is removed from the sync set", () -> {
            try {
                return !g.zkState().getSyncSetList().contains("n3");
            } catch (Exception e) {
                return false;
            }
        });
        var retry = g.insertAs(100, "n1", 1, 20, 2);
        assertThat(retry.hasError()).as("%s", retry.getError()).isFalse();
        assertThat(retry.getApplied()).isEqualTo(1);
        assertThat(g.replica("n1").lastLsn()).as("applied once").isEqualTo(2);
        assertThat(g.get("n1", 1, 30, 2).getFound(0)).isTrue();
    }
}
