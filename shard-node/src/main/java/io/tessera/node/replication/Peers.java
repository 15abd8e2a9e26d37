package io.tessera.node.replication;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.NodeInfo;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC channels to other shard nodes (found by node id in {@code /nodes/live/<id>}) and to plain
 * addresses (a primary's snapshot source, the leading coordinator). One channel per address.
 */
final class Peers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Peers.class);

    private final CuratorFramework zk;
    private final Map<String, String> addresses = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Peers(CuratorFramework zk) {
        this.zk = zk;
    }

    /** The channel to node {@code nodeId}, or null when its address is unknown (not live, no ZooKeeper). */
    ManagedChannel node(String nodeId) {
        String address = addresses.get(nodeId);
        if (address == null) {
            address = lookup(nodeId);
            if (address == null) {
                return null;
            }
            addresses.put(nodeId, address);
        }
        return address(address);
    }

    /** Forgets the node's address (it may have restarted elsewhere). */
    void forget(String nodeId) {
        addresses.remove(nodeId);
    }

    /** Registers a known address (tests without ZooKeeper, and the primary of an Append). */
    void learn(String nodeId, String address) {
        if (address != null && !address.isEmpty()) {
            addresses.put(nodeId, address);
        }
    }

    ManagedChannel address(String address) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        return channels.computeIfAbsent(address, a -> ManagedChannelBuilder.forTarget(a).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build());
    }

    private String lookup(String nodeId) {
        if (zk == null) {
            return null;
        }
        try {
            byte[] data = zk.getData().forPath(ZkPaths.liveNode(nodeId));
            return NodeInfo.parseFrom(data).getAddress();
        } catch (Exception e) {
            log.debug("no address for node {}: {}", nodeId, e.toString());
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
    }
}
