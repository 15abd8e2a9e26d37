package io.tessera.jdbc;

import io.tessera.protocol.meta.ZkPaths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * Waits until a cluster can serve SQL: a leading coordinator and at least {@code n} live shard
 * nodes registered in ZooKeeper. Used after starting an {@link EmbeddedCluster} and by the
 * launcher's {@code local} mode after spawning node processes.
 */
public final class ClusterReadiness {
    private static final long POLL_MS = 50;

    private ClusterReadiness() {}

    /**
     * Blocks until {@code nodes} shard nodes are live and (if {@code coordinator}) a coordinator
     * leads, or fails with a {@link TimeoutException} that says what is missing.
     */
    public static void await(String zkConnect, String cluster, int nodes, boolean coordinator, Duration timeout)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (CuratorFramework zk = CuratorFrameworkFactory.builder()
                .connectString(zkConnect)
                .namespace(ZkPaths.namespace(cluster))
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .connectionTimeoutMs((int) Math.min(timeout.toMillis(), 15_000))
                .build()) {
            zk.start();
            if (!zk.blockUntilConnected((int) Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException("cannot reach ZooKeeper at " + zkConnect + " within " + timeout);
            }
            String missing;
            do {
                missing = missing(zk, nodes, coordinator);
                if (missing == null) {
                    return;
                }
                Thread.sleep(POLL_MS);
            } while (System.nanoTime() < deadline);
            throw new TimeoutException("cluster '" + cluster + "' at " + zkConnect + " not ready after "
                    + timeout + ": " + missing);
        }
    }

    /** What the cluster still lacks, or null when it is ready. */
    private static String missing(CuratorFramework zk, int nodes, boolean coordinator) throws InterruptedException {
        try {
            List<String> live = zk.checkExists().forPath(ZkPaths.NODES_LIVE) == null
                    ? List.of() : zk.getChildren().forPath(ZkPaths.NODES_LIVE);
            if (live.size() < nodes) {
                return live.size() + " of " + nodes + " shard nodes live " + live;
            }
            if (coordinator && zk.checkExists().forPath(ZkPaths.COORDINATOR_LEADER) == null) {
                return "no leading coordinator";
            }
            return null;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return "ZooKeeper: " + e;
        }
    }
}
