package io.tessera.node.membership;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.NodeInfo;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces a live shard node: an ephemeral {@link NodeInfo} znode at {@link ZkPaths#liveNode} under
 * the cluster's namespace. Curator's {@link PersistentNode} recreates it after a session loss (and
 * when someone deletes it), so the node stays registered for as long as it runs.
 */
public final class NodeRegistration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeRegistration.class);
    private static final int SESSION_TIMEOUT_MS = 15_000;
    private static final int CONNECTION_TIMEOUT_MS = 10_000;

    private final CuratorFramework client;
    private final PersistentNode node;
    private final String path;

    private NodeRegistration(CuratorFramework client, PersistentNode node, String path) {
        this.client = client;
        this.node = node;
        this.path = path;
    }

    /** Connects to ZooKeeper and registers; waits up to {@code timeoutMillis} for the znode to exist. */
    public static NodeRegistration register(String zkConnect, String cluster, NodeInfo info, long timeoutMillis)
            throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zkConnect)
                .namespace(ZkPaths.namespace(cluster))
                .sessionTimeoutMs(SESSION_TIMEOUT_MS)
                .connectionTimeoutMs(CONNECTION_TIMEOUT_MS)
                .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000))
                .build();
        String path = ZkPaths.liveNode(info.getNodeId());
        client.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.LOST) {
                log.warn("node {}: ZooKeeper session lost; {} will be re-registered on reconnect", info.getNodeId(), path);
            } else if (state == ConnectionState.RECONNECTED) {
                log.info("node {}: reconnected to ZooKeeper", info.getNodeId());
            }
        });
        client.start();
        PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, info.toByteArray());
        node.start();
        NodeRegistration reg = new NodeRegistration(client, node, path);
        if (!node.waitForInitialCreate(timeoutMillis, TimeUnit.MILLISECONDS)) {
            reg.close();
            throw new IllegalStateException("node " + info.getNodeId() + " could not register at " + path + " in "
                    + ZkPaths.namespace(cluster) + " on " + zkConnect + " within " + timeoutMillis + " ms");
        }
        log.info("node {} registered at /{}{} ({})", info.getNodeId(), ZkPaths.namespace(cluster), path, info.getAddress());
        return reg;
    }

    public String path() {
        return path;
    }

    /** The Curator client (tests expire its session). */
    CuratorFramework client() {
        return client;
    }

    @Override
    public void close() {
        try {
            node.close();
        } catch (IOException | RuntimeException e) {
            log.warn("unregistering {} failed", path, e);
        }
        client.close();
    }
}
