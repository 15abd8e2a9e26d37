package io.tessera.node;

import io.tessera.node.storage.Durability;
import io.tessera.protocol.meta.ZkPaths;
import java.nio.file.Path;
import java.time.Duration;

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
 * @param replication replication timings and log retention; null = {@link ReplicationSettings#DEFAULTS}
 */
public record ShardNodeConfig(
        String nodeId, Path dataDir, String host, int port, String zkConnect, String cluster, Durability durability,
        ReplicationSettings replication) {

    /**
     * Replication timings (see docs/replication.md).
     *
     * @param lease              a primary serves reads while every other sync-set member acknowledged an
     *                           Append sent less than this ago; a promoted follower waits this long after its last ack
     * @param heartbeat          an idle replicator sends an empty Append this often
     * @param replicationTimeout a follower that does not acknowledge for this long is removed from the sync set
     * @param stallTimeout       how long a write waits for its acknowledgements (and a read for its lease or
     *                           pending entries) before it fails with NOT_SERVING (the frontend retries)
     * @param logRetention       log entries kept for followers that fall behind (older ones need a snapshot)
     * @param zkSessionTimeout   the ZooKeeper session timeout of the node's registration (failure detection)
     */
    public record ReplicationSettings(Duration lease, Duration heartbeat, Duration replicationTimeout,
            Duration stallTimeout, int logRetention, Duration zkSessionTimeout) {
        public static final ReplicationSettings DEFAULTS = new ReplicationSettings(Duration.ofSeconds(1),
                Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(5), 100_000, Duration.ofSeconds(4));

        public ReplicationSettings {
            lease = positive(lease, Duration.ofSeconds(1), "lease");
            heartbeat = positive(heartbeat, Duration.ofMillis(200), "heartbeat");
            replicationTimeout = positive(replicationTimeout, Duration.ofSeconds(2), "replicationTimeout");
            stallTimeout = positive(stallTimeout, Duration.ofSeconds(5), "stallTimeout");
            zkSessionTimeout = positive(zkSessionTimeout, Duration.ofSeconds(4), "zkSessionTimeout");
            if (logRetention <= 0) {
                logRetention = 100_000;
            }
        }

        private static Duration positive(Duration d, Duration dflt, String what) {
            if (d == null) {
                return dflt;
            }
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }

        public ReplicationSettings withLease(Duration d) {
            return new ReplicationSettings(d, heartbeat, replicationTimeout, stallTimeout, logRetention, zkSessionTimeout);
        }

        public ReplicationSettings withHeartbeat(Duration d) {
            return new ReplicationSettings(lease, d, replicationTimeout, stallTimeout, logRetention, zkSessionTimeout);
        }

        public ReplicationSettings withReplicationTimeout(Duration d) {
            return new ReplicationSettings(lease, heartbeat, d, stallTimeout, logRetention, zkSessionTimeout);
        }

        public ReplicationSettings withStallTimeout(Duration d) {
            return new ReplicationSettings(lease, heartbeat, replicationTimeout, d, logRetention, zkSessionTimeout);
        }

        public ReplicationSettings withLogRetention(int entries) {
            return new ReplicationSettings(lease, heartbeat, replicationTimeout, stallTimeout, entries, zkSessionTimeout);
        }

        public ReplicationSettings withZkSessionTimeout(Duration d) {
            return new ReplicationSettings(lease, heartbeat, replicationTimeout, stallTimeout, logRetention, d);
        }
    }

    /** The configuration with default replication settings. */
    public ShardNodeConfig(
            String nodeId, Path dataDir, String host, int port, String zkConnect, String cluster, Durability durability) {
        this(nodeId, dataDir, host, port, zkConnect, cluster, durability, null);
    }

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
        if (replication == null) {
            replication = ReplicationSettings.DEFAULTS;
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
        return new ShardNodeConfig(id, dataDir, host, port, zkConnect, cluster, durability, replication);
    }

    public ShardNodeConfig withDataDir(Path dir) {
        return new ShardNodeConfig(nodeId, dir, host, port, zkConnect, cluster, durability, replication);
    }

    public ShardNodeConfig withHost(String h) {
        return new ShardNodeConfig(nodeId, dataDir, h, port, zkConnect, cluster, durability, replication);
    }

    public ShardNodeConfig withPort(int p) {
        return new ShardNodeConfig(nodeId, dataDir, host, p, zkConnect, cluster, durability, replication);
    }

    public ShardNodeConfig withZooKeeper(String connect, String clusterName) {
        return new ShardNodeConfig(nodeId, dataDir, host, port, connect, clusterName, durability, replication);
    }

    public ShardNodeConfig withDurability(Durability d) {
        return new ShardNodeConfig(nodeId, dataDir, host, port, zkConnect, cluster, d, replication);
    }

    public ShardNodeConfig withReplication(ReplicationSettings settings) {
        return new ShardNodeConfig(nodeId, dataDir, host, port, zkConnect, cluster, durability, settings);
    }
}
