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
    private static final int DEFAULT_SESSION_TIMEOUT_MS = 4_000;
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
        return register(zkConnect, cluster, info, timeoutMillis, DEFAULT_SESSION_TIMEOUT_MS);
    }

    /**
     * As {@link #register(String, String, NodeInfo, long)} with a ZooKeeper session timeout: the node's
     * znode vanishes this long after the node stops answering (the coordinator's failure detector).
     */
    public static NodeRegistration register(String zkConnect, String cluster, NodeInfo info, long timeoutMillis,
            int sessionTimeoutMs) throws InterruptedException {
        return register(connect(zkConnect, cluster, info.getNodeId(), sessionTimeoutMs), info, timeoutMillis);
    }

    /** A started Curator client for the cluster's namespace (hand it to {@link #register(CuratorFramework, NodeInfo, long)}). */
    public static CuratorFramework connect(String zkConnect, String cluster, String nodeId, int sessionTimeoutMs) {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zkConnect)
                .namespace(ZkPaths.namespace(cluster))
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(Math.min(CONNECTION_TIMEOUT_MS, sessionTimeoutMs))
                .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000))
                .build();
        client.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.LOST) {
                log.warn("node {}: ZooKeeper session lost; it will be re-registered on reconnect", nodeId);
            } else if (state == ConnectionState.RECONNECTED) {
                log.info("node {}: reconnected to ZooKeeper", nodeId);
            }
        });
        client.start();
        return client;
    }

    /**
     * Registers with a client from {@link #connect}; the registration owns the client from now on
     * (closes it). Waits up to {@code timeoutMillis} for the znode to exist.
     */
    public static NodeRegistration register(CuratorFramework client, NodeInfo info, long timeoutMillis)
            throws InterruptedException {
        String path = ZkPaths.liveNode(info.getNodeId());
        PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, info.toByteArray());
        node.start();
        NodeRegistration reg = new NodeRegistration(client, node, path);
        if (!node.waitForInitialCreate(timeoutMillis, TimeUnit.MILLISECONDS)) {
            reg.close();
            throw new IllegalStateException("node " + info.getNodeId() + " could not register at " + path + " in /"
                    + client.getNamespace() + " within " + timeoutMillis + " ms");
        }
        log.info("node {} registered at /{}{} ({})", info.getNodeId(), client.getNamespace(), path, info.getAddress());
        return reg;
    }

    public String path() {
        return path;
    }

    /** The node's Curator client (namespace {@code tessera/<cluster>}): replication reads shard states with it. */
    public CuratorFramework client() {
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
