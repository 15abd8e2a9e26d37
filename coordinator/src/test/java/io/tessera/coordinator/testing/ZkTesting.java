package io.tessera.coordinator.testing;

import io.tessera.protocol.meta.ZkPaths;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Test helpers around a ZooKeeper session. */
public final class ZkTesting {
    private ZkTesting() {}

    /** A started client in the cluster's namespace. */
    public static CuratorFramework connect(String zkConnect, String cluster) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(zkConnect)
                .namespace(ZkPaths.namespace(cluster)).sessionTimeoutMs(10_000).connectionTimeoutMs(5_000)
                .retryPolicy(new ExponentialBackoffRetry(50, 5)).build();
        c.start();
        if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("cannot connect to " + zkConnect);
        }
        return c;
    }

    /** Expires the client's session on the server, as if its process had died. */
    public static void expireSession(CuratorFramework client) throws Exception {
        client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    }

    /**
     * Waits until {@code n} coordinators take part in the election, so a standby is queued before
     * the test kills the leader (otherwise the old leader's new session could queue first).
     */
    public static void awaitCandidates(CuratorFramework client, int n) throws Exception {
        boolean queued = eventually(10_000, () -> {
            try {
                return client.getChildren().forPath(ZkPaths.COORDINATOR_LATCH).size() >= n;
            } catch (Exception e) {
                return false;
            }
        });
        if (!queued) {
            throw new IllegalStateException(n + " election candidates expected");
        }
    }

    /** Polls {@code condition} until it holds or {@code timeoutMs} pass. */
    public static boolean eventually(long timeoutMs, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
