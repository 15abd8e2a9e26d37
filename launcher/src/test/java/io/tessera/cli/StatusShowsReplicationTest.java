package io.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.jdbc.EmbeddedCluster;
import io.tessera.protocol.meta.ZkPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;

/**
 * {@code tessera status} shows per shard its epoch, primary, replicas and sync set, and each
 * replica's role (and follower lag once nodes report it); per node whether it is live.
 */
class StatusShowsReplicationTest {
    @Test
    void statusShowsEachShardsReplicasAndWhichNodesAreDown() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.builder().name("status-test").start()) {
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl());
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(10)) SHARDS 2");
                s.executeUpdate("INSERT INTO kv VALUES (1, 'a'), (2, 'b')");
            }
            String before = status(cluster);
            assertThat(before).contains("Live shard nodes (3)").contains("Shards (2)")
                    .contains("2 replicas").contains("roles: ");
            assertThat(before).doesNotContain("Down shard nodes");

            String down = cluster.nodes().get(2).nodeId();
            cluster.nodes().get(2).close();
            String after = status(cluster);
            assertThat(after).contains("Live shard nodes (2)").contains("Down shard nodes (1")
                    .contains(down + " DOWN");
        }
    }

    private static String status(EmbeddedCluster cluster) throws Exception {
        try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(cluster.zkConnect())
                .namespace(ZkPaths.namespace(cluster.cluster()))
                .retryPolicy(new ExponentialBackoffRetry(100, 3)).build()) {
            zk.start();
            zk.blockUntilConnected(10, TimeUnit.SECONDS);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ClusterStatus.read(zk, cluster.zkConnect(), cluster.cluster(), Duration.ofMillis(1500))
                    .print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
