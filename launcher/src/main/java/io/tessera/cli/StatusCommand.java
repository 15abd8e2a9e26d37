package io.tessera.cli;

import io.tessera.protocol.meta.ZkPaths;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tessera status}: a cluster's nodes, coordinator, tables and shard placement, from ZooKeeper, and
 * each shard's replication as the live nodes report it ({@code ReplicaStatus}).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print nodes (live or down), the leading coordinator, tables and shard placement, read from"
                + " ZooKeeper, and each shard's replication (roles, log positions, follower lag) as the live nodes"
                + " report it.")
final class StatusCommand extends ClusterCommand implements Callable<Integer> {
    @Option(names = "--timeout", defaultValue = "10", description = "Seconds to wait for ZooKeeper (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--probe-timeout-ms", defaultValue = "1500",
            description = "Milliseconds each live node has to report its replicas; 0 = do not ask (default: ${DEFAULT-VALUE}).")
    long probeTimeoutMs;

    @Override
    public Integer call() throws Exception {
        try (CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zk)
                .namespace(ZkPaths.namespace(cluster))
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .connectionTimeoutMs(timeoutSeconds * 1000)
                .build()) {
            client.start();
            if (!client.blockUntilConnected(timeoutSeconds, TimeUnit.SECONDS)) {
                System.err.println("tessera status: cannot reach ZooKeeper at " + zk);
                return 1;
            }
            if (client.checkExists().forPath("/") == null || client.getChildren().forPath("/").isEmpty()) {
                System.err.println("tessera status: no cluster '" + cluster + "' registered in ZooKeeper at " + zk);
                return 1;
            }
            ClusterStatus.read(client, zk, cluster,
                    probeTimeoutMs > 0 ? Duration.ofMillis(probeTimeoutMs) : null).print(System.out);
            return 0;
        }
    }
}
