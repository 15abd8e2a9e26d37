package io.tessera.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.coordinator.testing.FakeShardNode;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import io.tessera.protocol.proto.NodeInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {
    @TempDir
    Path dir;

    @Test
    void nodesAppearWhenTheyRegisterAndVanishWhenTheirSessionEnds() throws Exception {
        try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir, 0).start();
                CuratorFramework client = ZkTesting.connect(zk.connectString(), "m");
                Membership membership = new Membership(client)) {
            List<String> events = new CopyOnWriteArrayList<>();
            membership.addListener(new MembershipListener() {
                @Override
                public void nodeJoined(NodeInfo node) {
                    events.add("+" + node.getNodeId());
                }

                @Override
                public void nodeLeft(NodeInfo node) {
                    events.add("-" + node.getNodeId());
                }
            });
            membership.start();

            FakeShardNode n1 = new FakeShardNode("n1", zk.connectString(), "m");
            FakeShardNode n2 = new FakeShardNode("n2", zk.connectString(), "m");
            assertThat(membership.readLiveNodes()).containsOnlyKeys("n1", "n2");
            assertThat(membership.readLiveNodes().get("n1").getAddress()).isEqualTo(n1.address());
            assertThat(ZkTesting.eventually(5_000, () -> membership.liveNodes().size() == 2)).isTrue();

            n1.close();
            assertThat(ZkTesting.eventually(5_000, () -> !membership.liveNodes().containsKey("n1"))).isTrue();
            assertThat(membership.readLiveNodes()).containsOnlyKeys("n2");
            assertThat(ZkTesting.eventually(5_000, () -> events.size() == 3)).isTrue();
            assertThat(events).containsExactlyInAnyOrder("+n1", "+n2", "-n1");
            assertThat(events.get(2)).isEqualTo("-n1");
            n2.close();
        }
    }
}
