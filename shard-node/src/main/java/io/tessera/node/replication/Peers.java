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
    private final Map<String, Backoff> lookups = new ConcurrentHashMap<>(); // nodes not found, or found unreachable
    private volatile boolean closed;

    static final long FIRST_LOOKUP_BACKOFF_MILLIS = 200;
    static final long MAX_LOOKUP_BACKOFF_MILLIS = 5_000;

    /** When the next ZooKeeper lookup of a node is allowed, after {@code failures} consecutive misses. */
    private record Backoff(int failures, long notBeforeNanos) {
        Backoff next(long now) {
            int f = failures + 1;
            long millis = Math.min(MAX_LOOKUP_BACKOFF_MILLIS, FIRST_LOOKUP_BACKOFF_MILLIS << Math.min(f - 1, 10));
            return new Backoff(f, now + TimeUnit.MILLISECONDS.toNanos(millis));
        }
    }

    /** How many ZooKeeper lookups of node addresses were made (tests). */
    final java.util.concurrent.atomic.AtomicLong lookupCount = new java.util.concurrent.atomic.AtomicLong();

    Peers(CuratorFramework zk) {
        this.zk = zk;
    }

    /**
     * The channel to node {@code nodeId}, or null when its address is unknown (not live, no ZooKeeper).
     * A node that was not found, or forgotten as unreachable, is looked up again only after a backoff
     * (exponential, up to {@link #MAX_LOOKUP_BACKOFF_MILLIS}), shared by every shard replicating to it.
     */
    ManagedChannel node(String nodeId) {
        String address = addresses.get(nodeId);
        if (address == null) {
            long now = System.nanoTime();
            Backoff b = lookups.get(nodeId);
            if (b != null && now - b.notBeforeNanos() < 0) {
                return null;
            }
            address = lookup(nodeId);
            if (address == null) {
                lookups.merge(nodeId, new Backoff(0, now).next(now), (old, x) -> old.next(now));
                return null;
            }
            addresses.put(nodeId, address);
        }
        return address(address);
    }

    /**
     * Forgets the node's address (it may have restarted elsewhere); the next lookup waits for the
     * backoff, which grows while the node stays unreachable.
     */
    void forget(String nodeId) {
        if (addresses.remove(nodeId) != null) {
            long now = System.nanoTime();
            lookups.merge(nodeId, new Backoff(0, now).next(now), (old, x) -> old.next(now));
        }
    }

    /** The node answered: look it up without delay next time. */
    void reachable(String nodeId) {
        lookups.remove(nodeId);
    }

    /** Registers a known address (tests without ZooKeeper, the primary of an Append, a node that registered). */
    void learn(String nodeId, String address) {
        if (address != null && !address.isEmpty()) {
            addresses.put(nodeId, address);
            lookups.remove(nodeId);
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
        lookupCount.incrementAndGet();
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
