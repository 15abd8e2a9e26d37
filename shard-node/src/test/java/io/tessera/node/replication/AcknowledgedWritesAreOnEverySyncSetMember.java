package io.tessera.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.ReplicaStatus;
import io.tessera.protocol.proto.ReplicaStatusRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcknowledgedWritesAreOnEverySyncSetMember {
    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @BeforeEach
    void setUp() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings());
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
    }

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    @Test
    void everyAcknowledgedWriteIsAppliedOnTheFollowers() {
        for (int i = 1; i <= 50; i++) {
            WriteResponse w = g.insert("n1", 1, 100 + i, 2L * i, 2L * i + 1);
            assertThat(w.hasError()).as("write %d: %s", i, w.getError()).isFalse();
            long lsn = g.replica("n1").lastLsn();
            assertThat(g.replica("n2").lastLsn()).isGreaterThanOrEqualTo(lsn);
            assertThat(g.replica("n3").lastLsn()).isGreaterThanOrEqualTo(lsn);
        }
        assertThat(g.contents("n1")).hasSize(100);
        assertThat(g.contents("n2")).isEqualTo(g.contents("n1"));
        assertThat(g.contents("n3")).isEqualTo(g.contents("n1"));
        assertThat(g.replica("n2").indexEntryCount()).isEqualTo(g.replica("n1").indexEntryCount());
    }

    @Test
    void readsAtTimestampZeroSeeTheLatestCommittedWrite() {
        assertThat(g.insert("n1", 1, 10, 1).hasError()).isFalse();
        assertThat(g.insert("n1", 1, 20, 2).hasError()).isFalse();
        var r = g.get("n1", 1, 0, 2);
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
        assertThat(r.getFound(0)).isTrue();
    }

    @Test
    void followersRefuseReadsAndWritesWithTheRoute() {
        var w = g.insert("n2", 1, 10, 1);
        assertThat(w.getError().getCode()).isEqualTo(io.tessera.protocol.proto.Error.Code.NOT_PRIMARY);
        assertThat(w.getError().getRoute().getPrimary()).isEqualTo("n1");
        var r = g.get("n3", 1, 10, 1);
        assertThat(r.getError().getCode()).isEqualTo(io.tessera.protocol.proto.Error.Code.NOT_PRIMARY);
    }

    @Test
    void replicaStatusReportsRolesAndProgress() throws Exception {
        assertThat(g.insert("n1", 1, 10, 1).hasError()).isFalse();
        ReplicaGroupFixture.await("the followers' acks are reported", () -> {
            ReplicaStatus s = g.stub("n1").replicaStatus(ReplicaStatusRequest.getDefaultInstance()).getReplicas(0);
            return s.getFollowersCount() == 2 && s.getFollowersList().stream().allMatch(f -> f.getAckedLsn() == 1);
        });
        ReplicaStatus p = g.stub("n1").replicaStatus(ReplicaStatusRequest.getDefaultInstance()).getReplicas(0);
        assertThat(p.getRole()).isEqualTo(ReplicaStatus.Role.PRIMARY);
        assertThat(p.getLastLsn()).isEqualTo(1);
        assertThat(p.getLastEpoch()).isEqualTo(1);
        assertThat(p.getCommitLsn()).isEqualTo(1);
        assertThat(p.getServing()).isTrue();
        assertThat(p.getSyncSetList()).containsExactly("n1", "n2", "n3");
        ReplicaStatus f = g.stub("n2").replicaStatus(ReplicaStatusRequest.getDefaultInstance()).getReplicas(0);
        assertThat(f.getRole()).isEqualTo(ReplicaStatus.Role.FOLLOWER);
        assertThat(f.getLastLsn()).isEqualTo(1);
        assertThat(f.getAppliedTs()).isEqualTo(10);
    }
}
