package io.tessera.coordinator.catalog;

import com.google.common.primitives.Longs;
import io.tessera.coordinator.leader.Fence;
import io.tessera.protocol.meta.ZkPaths;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Id counters under {@link ZkPaths#IDS}: each holds the last id handed out (8-byte big-endian) and
 * is advanced by a fenced CAS on its znode version. Ids of a failed DDL are not reused, so a shard
 * id never names two shards, even on a node that kept a replica we failed to drop.
 */
final class IdAllocator {
    static final String TABLE = "table";
    static final String SHARD = "shard";
    private static final int ATTEMPTS = 5;

    private final CuratorFramework client;

    IdAllocator(CuratorFramework client) {
        this.client = client;
    }

    /** Reserves {@code count} consecutive ids of {@code kind} and returns the first (ids start at 1). */
    long allocate(Fence fence, String kind, int count) throws Exception {
        String path = ZkPaths.idCounter(kind);
        for (int attempt = 0; ; attempt++) {
            Stat stat = new Stat();
            long last;
            try {
                last = Longs.fromByteArray(client.getData().storingStatIn(stat).forPath(path));
            } catch (KeeperException.NoNodeException e) {
                try {
                    fence.commit(fence.op().create().forPath(path, Longs.toByteArray(count)));
                    return 1;
                } catch (KeeperException.NodeExistsException raced) {
                    continue;
                }
            }
            try {
                fence.commit(fence.op().setData().withVersion(stat.getVersion())
                        .forPath(path, Longs.toByteArray(last + count)));
                return last + 1;
            } catch (KeeperException.BadVersionException raced) {
                if (attempt >= ATTEMPTS) {
                    throw raced;
                }
            }
        }
    }
}
