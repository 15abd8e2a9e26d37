package io.tessera.cli;

import io.tessera.protocol.meta.ZkPaths;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tessera status}: a cluster's nodes, coordinator, tables and shard placement, from ZooKeeper. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print live nodes, the leading coordinator, tables and shard placement, read from ZooKeeper.")
final class StatusCommand extends ClusterCommand implements Callable<Integer> {
    @Option(names = "--timeout", defaultValue = "10", description = "Seconds to wait for ZooKeeper (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

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
            ClusterStatus.read(client, zk, cluster).print(System.out);
            return 0;
        }
    }
}
