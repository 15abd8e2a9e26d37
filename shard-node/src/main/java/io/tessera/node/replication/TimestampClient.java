package io.tessera.node.replication;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * Takes one timestamp from the oracle of the leading coordinator (found in {@code /coordinator/leader},
 * over the same channel as {@link SyncSetClient}): a newly promoted primary's floor for one-phase writes.
 */
final class TimestampClient {
    private final CuratorFramework zk;
    private final Peers peers;
    private final long timeoutMillis;

    TimestampClient(CuratorFramework zk, Peers peers, long timeoutMillis) {
        this.zk = zk;
        this.peers = peers;
        this.timeoutMillis = timeoutMillis;
    }

    /** A fresh oracle timestamp; throws when no coordinator answers with one (the caller retries). */
    long next() throws Exception {
        if (zk == null) {
            throw new IllegalStateException("no ZooKeeper configured: cannot reach the timestamp oracle");
        }
        CoordinatorInfo leader = CoordinatorInfo.parseFrom(zk.getData().forPath(ZkPaths.COORDINATOR_LEADER));
        TimestampResponse resp = CoordinatorServiceGrpc.newBlockingStub(peers.address(leader.getAddress()))
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .getTimestamps(TimestampRequest.newBuilder().setCount(1).build());
        if (resp.hasError() && resp.getError().getCode() != Error.Code.OK) {
            throw new IllegalStateException("coordinator " + leader.getCoordinatorId() + " refused: "
                    + resp.getError().getCode() + " " + resp.getError().getMessage());
        }
        if (resp.getFirst() <= 0) {
            throw new IllegalStateException("coordinator " + leader.getCoordinatorId() + " returned no timestamp");
        }
        return resp.getFirst();
    }
}
