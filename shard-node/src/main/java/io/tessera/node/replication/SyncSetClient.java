package io.tessera.node.replication;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/** Asks the leading coordinator (found in {@code /coordinator/leader}) to change a shard's sync set. */
final class SyncSetClient {
    private final CuratorFramework zk;
    private final Peers peers;
    private final long timeoutMillis;

    SyncSetClient(CuratorFramework zk, Peers peers, long timeoutMillis) {
        this.zk = zk;
        this.peers = peers;
        this.timeoutMillis = timeoutMillis;
    }

    /** The coordinator's reply; throws when no coordinator can be reached (the caller retries). */
    SyncSetChangeResponse change(SyncSetChangeRequest request) throws Exception {
        if (zk == null) {
            throw new IllegalStateException("no ZooKeeper configured: cannot reach the coordinator");
        }
        CoordinatorInfo leader = CoordinatorInfo.parseFrom(zk.getData().forPath(ZkPaths.COORDINATOR_LEADER));
        return CoordinatorServiceGrpc.newBlockingStub(peers.address(leader.getAddress()))
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .changeSyncSet(request);
    }
}
