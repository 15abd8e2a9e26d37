package io.tessera.coordinator;

import io.tessera.protocol.meta.ZkPaths;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run one coordinator.
 *
 * @param id unique among the cluster's coordinators; shown in logs and in the leader znode
 * @param zkConnect ZooKeeper connect string ({@code host:port[,host:port...]})
 * @param cluster cluster name; the Curator namespace is {@code ZkPaths.namespace(cluster)}
 * @param host the address clients dial, and the interface the gRPC server binds
 * @param grpcPort the gRPC port; 0 picks a free one (see {@link Coordinator#port()})
 * @param zkSessionTimeout how long a hung leader (not a crashed one: its refused port gives it away at
 *     once) keeps the lead, and, at 75% of it, how long the timestamp oracle serves through a ZooKeeper
 *     outage (default 10 s: outages up to 7.5 s do not stall writes)
 * @param nodeRpcTimeout deadline of each administrative call to a shard node
 * @param tsoWindow how far ahead of the clock the timestamp oracle persists its limit
 * @param defaultReplicationFactor replicas per shard when a table does not say (default 3), capped by the
 *     live nodes when the table is created
 * @param replaceAfter how long a shard node may be absent from {@code /nodes/live} before the leader re-creates its
 *     replicas on other nodes (default 10 min). The leader measures absence in memory: a new leader starts
 *     the clock again
 * @param gcWindow how far the GC safe point stays behind the timestamp oracle (default 10 min): {@code AS OF}
 *     reads may go back that far, and a transaction open for longer is aborted (docs/transactions.md)
 * @param gcInterval time between two GC rounds of the leader; null = 1 min, or the window when it is shorter
 */
public record CoordinatorConfig(
        String id,
        String zkConnect,
        String cluster,
        String host,
        int grpcPort,
        Duration zkSessionTimeout,
        Duration nodeRpcTimeout,
        Duration tsoWindow,
        int defaultReplicationFactor,
        Duration replaceAfter,
        Duration gcWindow,
        Duration gcInterval) {

    public static final Duration DEFAULT_ZK_SESSION_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_NODE_RPC_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TSO_WINDOW = Duration.ofSeconds(3);
    public static final int DEFAULT_REPLICATION_FACTOR = 3;
    public static final Duration DEFAULT_REPLACE_AFTER = Duration.ofMinutes(10);
    public static final Duration DEFAULT_GC_WINDOW = Duration.ofMinutes(10);
    public static final Duration DEFAULT_GC_INTERVAL = Duration.ofMinutes(1);

    public CoordinatorConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(zkConnect, "zkConnect");
        Objects.requireNonNull(host, "host");
        cluster = cluster == null || cluster.isEmpty() ? ZkPaths.DEFAULT_CLUSTER : cluster;
        if (id.isEmpty() || id.indexOf('/') >= 0) {
            throw new IllegalArgumentException("invalid coordinator id '" + id + "'");
        }
        if (grpcPort < 0 || grpcPort > 65535) {
            throw new IllegalArgumentException("invalid gRPC port " + grpcPort);
        }
        zkSessionTimeout = zkSessionTimeout == null ? DEFAULT_ZK_SESSION_TIMEOUT : zkSessionTimeout;
        nodeRpcTimeout = nodeRpcTimeout == null ? DEFAULT_NODE_RPC_TIMEOUT : nodeRpcTimeout;
        tsoWindow = tsoWindow == null ? DEFAULT_TSO_WINDOW : tsoWindow;
        if (defaultReplicationFactor < 1) {
            throw new IllegalArgumentException("default replication factor must be positive: " + defaultReplicationFactor);
        }
        replaceAfter = replaceAfter == null ? DEFAULT_REPLACE_AFTER : replaceAfter;
        if (replaceAfter.isNegative() || replaceAfter.isZero()) {
            throw new IllegalArgumentException("replaceAfter must be positive: " + replaceAfter);
        }
        gcWindow = gcWindow == null ? DEFAULT_GC_WINDOW : gcWindow;
        if (gcWindow.isNegative() || gcWindow.isZero()) {
            throw new IllegalArgumentException("gcWindow must be positive: " + gcWindow);
        }
        if (gcInterval != null && (gcInterval.isNegative() || gcInterval.isZero())) {
            throw new IllegalArgumentException("gcInterval must be positive: " + gcInterval);
        }
    }

    /** The time between two GC rounds: as configured, else 1 min, or the window when that is shorter. */
    @Override
    public Duration gcInterval() {
        if (gcInterval != null) {
            return gcInterval;
        }
        return gcWindow.compareTo(DEFAULT_GC_INTERVAL) < 0 ? gcWindow : DEFAULT_GC_INTERVAL;
    }

    /** The configuration without {@code replaceAfter} (the default, 10 min). */
    public CoordinatorConfig(String id, String zkConnect, String cluster, String host, int grpcPort,
            Duration zkSessionTimeout, Duration nodeRpcTimeout, Duration tsoWindow, int defaultReplicationFactor) {
        this(id, zkConnect, cluster, host, grpcPort, zkSessionTimeout, nodeRpcTimeout, tsoWindow,
                defaultReplicationFactor, null, null, null);
    }

    /**
     * A configuration with default timeouts, a 3 s TSO window, replication factor 3, replacement after
     * 10 min and a 10 min GC window.
     */
    public static CoordinatorConfig of(String id, String zkConnect, String cluster, String host, int grpcPort) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, null, null, null,
                DEFAULT_REPLICATION_FACTOR, null, null, null);
    }

    public CoordinatorConfig withZkSessionTimeout(Duration timeout) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, timeout, nodeRpcTimeout, tsoWindow,
                defaultReplicationFactor, replaceAfter, gcWindow, gcInterval);
    }

    public CoordinatorConfig withNodeRpcTimeout(Duration timeout) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, zkSessionTimeout, timeout, tsoWindow,
                defaultReplicationFactor, replaceAfter, gcWindow, gcInterval);
    }

    public CoordinatorConfig withTsoWindow(Duration window) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, zkSessionTimeout, nodeRpcTimeout, window,
                defaultReplicationFactor, replaceAfter, gcWindow, gcInterval);
    }

    public CoordinatorConfig withDefaultReplicationFactor(int replicationFactor) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, zkSessionTimeout, nodeRpcTimeout,
                tsoWindow, replicationFactor, replaceAfter, gcWindow, gcInterval);
    }

    public CoordinatorConfig withReplaceAfter(Duration after) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, zkSessionTimeout, nodeRpcTimeout,
                tsoWindow, defaultReplicationFactor, after, gcWindow, gcInterval);
    }

    public CoordinatorConfig withGcWindow(Duration window) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, zkSessionTimeout, nodeRpcTimeout,
                tsoWindow, defaultReplicationFactor, replaceAfter, window, gcInterval);
    }

    /** null = the default (1 min, or the window when shorter). */
    public CoordinatorConfig withGcInterval(Duration interval) {
        return new CoordinatorConfig(id, zkConnect, cluster, host, grpcPort, zkSessionTimeout, nodeRpcTimeout,
                tsoWindow, defaultReplicationFactor, replaceAfter, gcWindow, interval);
    }
}
