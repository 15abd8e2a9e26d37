package io.tessera.coordinator.zk;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;

/** Small ZooKeeper idioms the coordinator's duties share. */
public final class ZkNodes {
    private ZkNodes() {}

    /** Creates {@code path} (and its parents) as persistent, empty znodes unless it exists. */
    public static void ensurePersistent(CuratorFramework client, String path) throws Exception {
        if (client.checkExists().forPath(path) != null) {
            return;
        }
        try {
            client.create().creatingParentsIfNeeded().forPath(path, new byte[0]);
        } catch (KeeperException.NodeExistsException raced) {
            // another coordinator or node created it first: fine
        }
    }

    /**
     * Blocks until this client's server has caught up with the leader of the ZooKeeper ensemble,
     * so the reads that follow see every write committed before the call (ZooKeeper reads are
     * otherwise only sequentially consistent).
     */
    public static void sync(CuratorFramework client, String path, long timeoutMs) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger rc = new AtomicInteger();
        client.sync().inBackground((c, event) -> {
            rc.set(event.getResultCode());
            done.countDown();
        }).forPath(path);
        if (!done.await(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new KeeperException.OperationTimeoutException();
        }
        KeeperException.Code code = KeeperException.Code.get(rc.get());
        if (code != KeeperException.Code.OK && code != KeeperException.Code.NONODE) {
            throw KeeperException.create(code, path);
        }
    }

    /**
     * The index of the operation that made a multi-op fail, or -1 when unknown. ZooKeeper reports
     * every other operation of the failed multi as {@code RUNTIMEINCONSISTENCY} or {@code OK}.
     */
    public static int failedOp(KeeperException e) {
        if (e.getResults() == null) {
            return -1;
        }
        int i = 0;
        for (OpResult r : e.getResults()) {
            if (r instanceof OpResult.ErrorResult er) {
                int err = er.getErr();
                if (err != KeeperException.Code.OK.intValue()
                        && err != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                    return i;
                }
            }
            i++;
        }
        return -1;
    }
}
