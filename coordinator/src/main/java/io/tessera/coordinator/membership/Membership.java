package io.tessera.coordinator.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tessera.coordinator.zk.ZkNodes;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.NodeInfo;
import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live shard nodes: the ephemeral {@link NodeInfo} children of {@link ZkPaths#NODES_LIVE}
 * that nodes register, watched with one {@link CuratorCache}. The cached view serves listeners
 * and status; decisions that must not miss a node that just joined use {@link #readLiveNodes()}.
 */
public final class Membership implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    private static final long ZK_TIMEOUT_MS = 10_000;

    private final CuratorFramework client;
    private final CuratorCache cache;
    private final Map<String, NodeInfo> live = new ConcurrentHashMap<>();
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;

    public Membership(CuratorFramework client) {
        this.client = client;
        this.cache = CuratorCache.build(client, ZkPaths.NODES_LIVE);
        this.events = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "coordinator-membership");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() throws Exception {
        ZkNodes.ensurePersistent(client, ZkPaths.NODES_LIVE);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((oldNode, node) -> joined(node))
                .forDeletes(this::left)
                .build());
        cache.start();
    }

    /** Listeners are called on the membership thread, never on Curator's event thread. */
    public void addListener(MembershipListener listener) {
        listeners.add(listener);
    }

    /** The live nodes as last seen by the cache, by node id. */
    public Map<String, NodeInfo> liveNodes() {
        return Map.copyOf(live);
    }

    public Optional<NodeInfo> liveNode(String nodeId) {
        return Optional.ofNullable(live.get(nodeId));
    }

    /** The live nodes read directly from ZooKeeper after a sync, sorted by node id. */
    public Map<String, NodeInfo> readLiveNodes() throws Exception {
        ZkNodes.sync(client, ZkPaths.NODES_LIVE, ZK_TIMEOUT_MS);
        Map<String, NodeInfo> nodes = new TreeMap<>();
        List<String> children;
        try {
            children = client.getChildren().forPath(ZkPaths.NODES_LIVE);
        } catch (KeeperException.NoNodeException e) {
            return nodes;
        }
        for (String child : children) {
            try {
                nodes.put(child, NodeInfo.parseFrom(client.getData().forPath(ZkPaths.liveNode(child))));
            } catch (KeeperException.NoNodeException gone) {
                // the node left while we listed: it is not live
            } catch (InvalidProtocolBufferException e) {
                log.warn("Ignoring unreadable registration of node {}: {}", child, e.getMessage());
            }
        }
        return nodes;
    }

    private void joined(ChildData data) {
        nodeInfo(data).ifPresent(info -> {
            NodeInfo before = live.put(nodeId(data), info);
            if (!info.equals(before)) {
                log.info("Shard node {} is live at {}", info.getNodeId(), info.getAddress());
                events.execute(() -> listeners.forEach(l -> l.nodeJoined(info)));
            }
        });
    }

    private void left(ChildData data) {
        if (!isChild(data)) {
            return;
        }
        NodeInfo before = live.remove(nodeId(data));
        if (before != null) {
            log.info("Shard node {} at {} left", before.getNodeId(), before.getAddress());
            events.execute(() -> listeners.forEach(l -> l.nodeLeft(before)));
        }
    }

    private static boolean isChild(ChildData data) {
        String path = data.getPath();
        return path.startsWith(ZkPaths.NODES_LIVE + "/") && path.indexOf('/', ZkPaths.NODES_LIVE.length() + 1) < 0;
    }

    private static String nodeId(ChildData data) {
        return data.getPath().substring(ZkPaths.NODES_LIVE.length() + 1);
    }

    private static Optional<NodeInfo> nodeInfo(ChildData data) {
        if (!isChild(data)) {
            return Optional.empty();
        }
        try {
            return Optional.of(NodeInfo.parseFrom(data.getData()));
        } catch (InvalidProtocolBufferException e) {
            log.warn("Ignoring unreadable registration at {}: {}", data.getPath(), e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        cache.close();
        events.shutdown();
        try {
            events.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
