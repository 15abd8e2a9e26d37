package io.tessera.coordinator.zk;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.coordinator.testing.ZkTesting;
import java.nio.file.Path;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {
    @TempDir
    Path dir;

    @Test
    void servesOnAFreePortAndKeepsZnodesAcrossRestart() throws Exception {
        int port;
        try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir, 0).start()) {
            port = zk.port();
            assertThat(port).isPositive();
            assertThat(zk.connectString()).endsWith(":" + port);
            try (CuratorFramework c = ZkTesting.connect(zk.connectString(), "t")) {
                c.create().creatingParentsIfNeeded().forPath("/kept", new byte[] {42});
            }
        }
        try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir, 0).start();
                CuratorFramework c = ZkTesting.connect(zk.connectString(), "t")) {
            assertThat(c.getData().forPath("/kept")).containsExactly(42);
        }
    }
}
