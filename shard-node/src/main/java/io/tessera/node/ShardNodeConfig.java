package io.tessera.node;

import io.tessera.node.storage.Durability;
import io.tessera.protocol.meta.ZkPaths;
import java.nio.file.Path;

/**
 * How to run one shard node.
 *
 * @param nodeId     the node's id; null = generated on first start and kept in {@code dataDir/node.id}
 *                   (a fresh one per start when there is no data directory)
 * @param dataDir    where the replicas' MVStore files live; null = in-memory stores ({@code jdbc:tessera:mem:})
 * @param host       the address to bind and advertise; null = the loopback address
 * @param port       the gRPC port; 0 = a free port (see {@link ShardNode#address()})
 * @param zkConnect  ZooKeeper connect string; null = do not register (single-process tests)
 * @param cluster    the cluster name (Curator namespace {@code tessera/<cluster>}); null = {@code default}
 * @param durability when writes are acknowledged; null = {@link Durability#SYNC}
 */
public record ShardNodeConfig(
        String nodeId, Path dataDir, String host, int port, String zkConnect, String cluster, Durability durability) {

    public ShardNodeConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (cluster == null || cluster.isBlank()) {
            cluster = ZkPaths.DEFAULT_CLUSTER;
        }
        if (durability == null) {
            durability = Durability.SYNC;
        }
    }

    /** An in-memory node on a free loopback port, without ZooKeeper. */
    public static ShardNodeConfig inMemory() {
        return new ShardNodeConfig(null, null, null, 0, null, null, Durability.MEMORY);
    }

    /** A node keeping its replicas in {@code dataDir}, on a free loopback port, without ZooKeeper. */
    public static ShardNodeConfig persistent(Path dataDir) {
        return new ShardNodeConfig(null, dataDir, null, 0, null, null, Durability.SYNC);
    }

    public ShardNodeConfig withNodeId(String id) {
        return new ShardNodeConfig(id, dataDir, host, port, zkConnect, cluster, durability);
    }

    public ShardNodeConfig withDataDir(Path dir) {
        return new ShardNodeConfig(nodeId, dir, host, port, zkConnect, cluster, durability);
    }

    public ShardNodeConfig withHost(String h) {
        return new ShardNodeConfig(nodeId, dataDir, h, port, zkConnect, cluster, durability);
    }

    public ShardNodeConfig withPort(int p) {
        return new ShardNodeConfig(nodeId, dataDir, host, p, zkConnect, cluster, durability);
    }

    public ShardNodeConfig withZooKeeper(String connect, String clusterName) {
        return new ShardNodeConfig(nodeId, dataDir, host, port, connect, clusterName, durability);
    }

    public ShardNodeConfig withDurability(Durability d) {
        return new ShardNodeConfig(nodeId, dataDir, host, port, zkConnect, cluster, d);
    }
}
