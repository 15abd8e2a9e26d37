package io.tessera.protocol.meta;

/**
 * The ZooKeeper layout, relative to the cluster's Curator namespace {@code tessera/<cluster>}.
 * Values are serialized protobuf messages of {@code meta.proto}.
 */
public final class ZkPaths {
    private ZkPaths() {}

    public static final String ROOT_PREFIX = "tessera/";
    public static final String DEFAULT_CLUSTER = "default";

    /** Ephemeral {@code NodeInfo} per live shard node. */
    public static final String NODES_LIVE = "/nodes/live";
    /** LeaderLatch participants of the coordinators. */
    public static final String COORDINATOR_LATCH = "/coordinator/latch";
    /** Ephemeral {@code CoordinatorInfo} of the leading coordinator. */
    public static final String COORDINATOR_LEADER = "/coordinator/leader";
    /** Its znode version is the coordinator epoch; every coordinator write checks it in a multi-op. */
    public static final String COORDINATOR_EPOCH = "/coordinator/epoch";
    /** {@code TableSchema} per table. */
    public static final String TABLES = "/tables";
    /** {@code ViewDef} per view. */
    public static final String VIEWS = "/views";
    /** One child per shard, holding {@code state}. */
    public static final String SHARDS = "/shards";
    /** The timestamp oracle's persisted upper bound (8-byte big-endian long). */
    public static final String TSO_LIMIT = "/tso/limit";
    /**
     * The GC safe point (8-byte big-endian long), written by the leading coordinator and only ever
     * raised: reads below it are refused (SNAPSHOT_TOO_OLD), and old versions below it are removed.
     */
    public static final String GC_SAFE_POINT = "/gc/safe_point";
    /** Id allocation counters (8-byte big-endian long, CAS on znode version). */
    public static final String IDS = "/ids";

    public static String namespace(String cluster) {
        return ROOT_PREFIX + cluster;
    }

    public static String liveNode(String nodeId) {
        return NODES_LIVE + "/" + nodeId;
    }

    public static String table(String name) {
        return TABLES + "/" + name;
    }

    public static String view(String name) {
        return VIEWS + "/" + name;
    }

    public static String shard(long shardId) {
        return SHARDS + "/" + shardId;
    }

    /** {@code ShardState}; the znode version is the CAS token of reconfigurations. */
    public static String shardState(long shardId) {
        return shard(shardId) + "/state";
    }

    public static String idCounter(String kind) {
        return IDS + "/" + kind;
    }
}
