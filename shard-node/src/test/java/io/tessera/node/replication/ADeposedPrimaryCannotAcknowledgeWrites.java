package io.tessera.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.Error;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ADeposedPrimaryCannotAcknowledgeWrites {
    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @BeforeEach
    void setUp() throws Exception {
        // no heartbeat during the test: n1 learns of the failover only from the Append of its next write
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings().withHeartbeat(Duration.ofSeconds(10))
                .withReplicationTimeout(Duration.ofSeconds(30)));
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
        assertThat(g.insert("n1", 1, 10, 1, 2).hasError()).isFalse();
    }

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    @Test
    void andItsUnacknowledgedSuffixIsTruncatedWhenItRejoins() throws Exception {
        // failover to n2 while n1 does not know yet (n1 is out of the group until it comes back)
        g.install(ReplicaGroupFixture.state(2, "n2", List.of("n2", "n3"), List.of("n2", "n3")), "n2", "n3");
        var lost = g.insert("n1", 1, 20, 3);
        assertThat(lost.hasError()).as("the deposed primary cannot collect acknowledgements").isTrue();
        assertThat(lost.getError().getCode()).isIn(Error.Code.NOT_PRIMARY, Error.Code.NOT_SERVING);
        assertThat(g.replica("n1").lastLsn()).as("the write was applied locally").isEqualTo(2);
        var read = g.get("n1", 1, 30, 1);
        assertThat(read.getError().getCode()).as("nor serve reads").isIn(Error.Code.NOT_PRIMARY, Error.Code.NOT_SERVING, Error.Code.STALE_EPOCH);

        var w = g.insert("n2", 2, 30, 4);
        assertThat(w.hasError()).as("%s", w.getError()).isFalse();
        assertThat(g.contents("n3")).isEqualTo(g.contents("n2"));

        // the coordinator gives n1 back its replica: it follows n2 and loses its own lsn 2
        g.install(ReplicaGroupFixture.state(2, "n2", List.of("n2", "n3")), "n1", "n2");
        ReplicaGroupFixture.await("n1 converged on n2's log", () -> g.contents("n1").equals(g.contents("n2")));
        assertThat(g.contents("n1")).hasSize(3).noneMatch(r -> r.startsWith("[3,"));
        assertThat(g.replica("n1").positions().lastEpoch()).isEqualTo(2);
    }
}
