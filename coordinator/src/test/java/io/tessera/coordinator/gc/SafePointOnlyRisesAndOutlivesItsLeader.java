package io.tessera.coordinator.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.Leadership;
import io.tessera.coordinator.leader.LeadershipListener;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.testing.ZooKeeperFixture;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The GC safe point in ZooKeeper (embedded): written through the leader's fence, never lowered, read
 * by the next leader, and a deposed leader can no longer raise it.
 */
class SafePointOnlyRisesAndOutlivesItsLeader {
    @RegisterExtension
    final ZooKeeperFixture zk = new ZooKeeperFixture();

    private record Leader(CuratorFramework client, Leadership leadership) {}

    private Leader leader(String id) throws Exception {
        CuratorFramework client = ZkTesting.connect(zk.connectString(), "c");
        Leadership l = new Leadership(client, id, new LeadershipListener() {
            @Override
            public void elected(Fence fence) {}

            @Override
            public void deposed(Fence fence) {}
        });
        zk.closeAfter(client);
        zk.closeAfter(l);
        l.start(id + ":1");
        return new Leader(client, l);
    }

    @Test
    void theSafePointOnlyRisesAndANewLeaderContinuesFromIt() throws Exception {
        Leader a = leader("a");
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Fence fenceA = a.leadership().fence().orElseThrow();
        SafePointStore store = new SafePointStore(a.client());
        assertThat(store.read()).as("nothing collected yet").isZero();

        assertThat(store.raise(fenceA, 1_000)).isEqualTo(1_000);
        assertThat(store.raise(fenceA, 500)).as("a lower safe point is not written").isEqualTo(1_000);
        assertThat(store.raise(fenceA, 2_000)).isEqualTo(2_000);

        Leader b = leader("b");
        ZkTesting.awaitCandidates(a.client(), 2);
        a.leadership().close(); // b takes over with a new coordinator epoch
        assertThat(b.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        SafePointStore storeB = new SafePointStore(b.client());
        assertThat(storeB.read()).as("the new leader continues from it").isEqualTo(2_000);
        assertThat(storeB.raise(b.leadership().fence().orElseThrow(), 3_000)).isEqualTo(3_000);

        assertThatThrownBy(() -> store.raise(fenceA, 4_000)).as("the deposed leader's fence")
                .isInstanceOf(NotLeaderException.class);
        assertThat(storeB.read()).isEqualTo(3_000);
    }
}
