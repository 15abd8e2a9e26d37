package io.tessera.coordinator.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.testing.ZooKeeperFixture;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LeadershipTest {
    @RegisterExtension
    final ZooKeeperFixture zk = new ZooKeeperFixture();

    private record Candidate(CuratorFramework client, Leadership leadership, List<Long> terms) {}

    private Candidate candidate(String id) throws Exception {
        CuratorFramework client = ZkTesting.connect(zk.connectString(), "c");
        List<Long> terms = new CopyOnWriteArrayList<>();
        Leadership l = new Leadership(client, id, new LeadershipListener() {
            @Override
            public void elected(Fence fence) {
                terms.add(fence.epoch());
            }

            @Override
            public void deposed(Fence fence) {}
        });
        zk.closeAfter(client);
        zk.closeAfter(l);
        l.start(id + ".example:1");
        return new Candidate(client, l, terms);
    }

    @Test
    void oneCandidateLeadsAndPublishesItselfWithTheBumpedEpoch() throws Exception {
        Candidate a = candidate("a");
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Candidate b = candidate("b");
        Thread.sleep(200);
        assertThat(b.leadership().isLeader()).isFalse();

        long epoch = a.leadership().fence().orElseThrow().epoch();
        assertThat(epoch).isEqualTo(1);
        CoordinatorInfo info = CoordinatorInfo.parseFrom(a.client().getData().forPath(ZkPaths.COORDINATOR_LEADER));
        assertThat(info).isEqualTo(CoordinatorInfo.newBuilder().setCoordinatorId("a").setAddress("a.example:1")
                .setEpoch(epoch).build());
        assertThat(b.leadership().readLeader()).contains(info);
    }

    @Test
    void standbyTakesOverWithAHigherEpochWhenTheLeaderSessionExpires() throws Exception {
        Candidate a = candidate("a");
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Candidate b = candidate("b");
        ZkTesting.awaitCandidates(a.client(), 2);
        long first = a.leadership().fence().orElseThrow().epoch();

        ZkTesting.expireSession(a.client());

        assertThat(b.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        // The deposed leader learns it from its own connection, possibly a little later.
        assertThat(ZkTesting.eventually(5_000, () -> !a.leadership().isLeader())).isTrue();
        assertThat(b.leadership().fence().orElseThrow().epoch()).isGreaterThan(first);
        assertThat(ZkTesting.eventually(5_000, () -> b.leadership().readLeader()
                .map(CoordinatorInfo::getCoordinatorId).orElse("").equals("b"))).isTrue();
    }

    @Test
    void deposedLeaderCannotWriteEvenWithItsOldFence() throws Exception {
        Candidate a = candidate("a");
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Fence stale = a.leadership().fence().orElseThrow();
        Candidate b = candidate("b");
        ZkTesting.awaitCandidates(a.client(), 2);

        ZkTesting.expireSession(a.client());
        assertThat(b.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        // The old client reconnects with a new session: only the epoch check can stop its write.
        a.client().blockUntilConnected();

        assertThatThrownBy(() -> stale.commit(stale.op().create().forPath("/written-by-deposed", new byte[0])))
                .isInstanceOf(NotLeaderException.class);
        assertThat(b.client().checkExists().forPath("/written-by-deposed")).isNull();

        Fence current = b.leadership().fence().orElseThrow();
        current.commit(current.op().create().forPath("/written-by-leader", new byte[0]));
        assertThat(a.client().checkExists().forPath("/written-by-leader")).isNotNull();
    }

    @Test
    void closingTheLeaderHandsOverAtOnce() throws Exception {
        Candidate a = candidate("a");
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Candidate b = candidate("b");
        long start = System.nanoTime();
        a.leadership().close();
        assertThat(b.leadership().awaitLeadership(Duration.ofSeconds(5))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(b.terms()).containsExactly(2L);
    }
}
