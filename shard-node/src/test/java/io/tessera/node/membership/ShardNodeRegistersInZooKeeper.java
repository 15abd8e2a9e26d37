package io.tessera.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.ShardNode;
import io.tessera.node.ShardNodeConfig;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.NodeInfo;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardNodeRegistersInZooKeeper {
    @TempDir
    static Path zkDir;
    static ZooKeeperServerEmbedded zk;
    static String connect;
    static CuratorFramework observer;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        Properties p = new Properties();
        p.setProperty("clientPort", "0");
        p.setProperty("tickTime", "500");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("4lw.commands.whitelist", "ruok,srvr"); // start(timeout) polls 'ruok'
        zk = ZooKeeperServerEmbedded.builder().baseDir(zkDir).configuration(p).exitHandler(ExitHandler.LOG_ONLY).build();
        zk.start();
        connect = "127.0.0.1:" + zk.getClientPort();
        observer = CuratorFrameworkFactory.builder().connectString(connect).namespace(ZkPaths.namespace("itest"))
                .retryPolicy(new RetryOneTime(100)).build();
        observer.start();
        assertThat(observer.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @AfterAll
    static void stopZooKeeper() {
        observer.close();
        zk.close();
    }

    private static NodeInfo read(String nodeId) throws Exception {
        return NodeInfo.parseFrom(observer.getData().forPath(ZkPaths.liveNode(nodeId)));
    }

    @Test
    void aStartedNodeIsLiveInZooKeeperUntilItCloses() throws Exception {
        ShardNode node = new ShardNode(ShardNodeConfig.inMemory().withZooKeeper(connect, "itest")).start();
        try {
            NodeInfo info = read(node.nodeId());
            assertThat(info.getNodeId()).isEqualTo(node.nodeId());
            assertThat(info.getAddress()).isEqualTo(node.address());
            assertThat(info.getStartedAtMillis()).isPositive();
            Stat stat = observer.checkExists().forPath(ZkPaths.liveNode(node.nodeId()));
            assertThat(stat.getEphemeralOwner()).as("ephemeral").isNotZero();
        } finally {
            node.close();
        }
        assertThat(observer.checkExists().forPath(ZkPaths.liveNode(node.nodeId()))).isNull();
    }

    @Test
    void aNodeReRegistersAfterItsSessionExpires() throws Exception {
        NodeInfo info = NodeInfo.newBuilder().setNodeId("expiring").setAddress("127.0.0.1:1").setStartedAtMillis(1).build();
        try (NodeRegistration reg = NodeRegistration.register(connect, "itest", info, 10_000)) {
            String path = ZkPaths.liveNode("expiring");
            long firstOwner = observer.checkExists().forPath(path).getEphemeralOwner();
            ZooKeeper zkClient = reg.client().getZookeeperClient().getZooKeeper();
            // Closing a second handle on the same session expires it for the node's client.
            java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
            ZooKeeper twin = new ZooKeeper(connect, 5_000, e -> {
                if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, zkClient.getSessionId(), zkClient.getSessionPasswd());
            assertThat(connected.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            twin.close();
            long deadline = System.currentTimeMillis() + 20_000;
            Stat stat = null;
            while (System.currentTimeMillis() < deadline) {
                stat = observer.checkExists().forPath(path);
                if (stat != null && stat.getEphemeralOwner() != firstOwner) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(stat).isNotNull();
            assertThat(stat.getEphemeralOwner()).as("registered again by a new session").isNotEqualTo(firstOwner);
            assertThat(read("expiring")).isEqualTo(info);
        }
    }
}
