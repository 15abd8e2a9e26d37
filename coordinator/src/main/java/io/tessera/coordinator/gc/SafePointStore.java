package io.tessera.coordinator.gc;

import com.google.common.primitives.Longs;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.zk.ZkNodes;
import io.tessera.protocol.meta.ZkPaths;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The GC safe point in ZooKeeper ({@link ZkPaths#GC_SAFE_POINT}, 8-byte big-endian long): a new
 * leader continues from it, and frontends read it to refuse {@code AS OF} reads below it. Written
 * only through the leader's {@link Fence}, and only ever raised.
 */
public final class SafePointStore {
    private static final long ZK_TIMEOUT_MS = 10_000;

    private final CuratorFramework client;

    public SafePointStore(CuratorFramework client) {
        this.client = client;
    }

    /** The persisted safe point, 0 when none was ever written. */
    public long read() throws Exception {
        ZkNodes.sync(client, ZkPaths.GC_SAFE_POINT, ZK_TIMEOUT_MS);
        try {
            return Longs.fromByteArray(client.getData().forPath(ZkPaths.GC_SAFE_POINT));
        } catch (KeeperException.NoNodeException e) {
            return 0;
        }
    }

    /**
     * Raises the persisted safe point to {@code safePoint} (a lower one is left as it is) and returns
     * what is persisted afterwards.
     *
     * @throws NotLeaderException when the term of {@code fence} is over (nothing was written)
     */
    public long raise(Fence fence, long safePoint) throws Exception {
        ZkNodes.ensurePersistent(client, parent());
        for (int attempt = 0; ; attempt++) {
            Stat stat = new Stat();
            long stored;
            try {
                stored = Longs.fromByteArray(client.getData().storingStatIn(stat).forPath(ZkPaths.GC_SAFE_POINT));
            } catch (KeeperException.NoNodeException e) {
                try {
                    fence.commit(fence.op().create().forPath(ZkPaths.GC_SAFE_POINT, Longs.toByteArray(safePoint)));
                    return safePoint;
                } catch (KeeperException.NodeExistsException raced) {
                    continue;
                }
            }
            if (stored >= safePoint) {
                return stored;
            }
            try {
                fence.commit(fence.op().setData().withVersion(stat.getVersion())
                        .forPath(ZkPaths.GC_SAFE_POINT, Longs.toByteArray(safePoint)));
                return safePoint;
            } catch (KeeperException.BadVersionException e) {
                if (attempt >= 2) {
                    throw e; // only the leader writes it: a lost reply of our own write, at most twice
                }
            }
        }
    }

    private static String parent() {
        return ZkPaths.GC_SAFE_POINT.substring(0, ZkPaths.GC_SAFE_POINT.lastIndexOf('/'));
    }
}
