package io.tessera.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.testing.ZooKeeperFixture;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CoordinatorFailoverTest {
    @RegisterExtension
    final ZooKeeperFixture zk = new ZooKeeperFixture();

    private Coordinator coordinator(String id) throws Exception {
        Coordinator c = new Coordinator(CoordinatorConfig.of(id, zk.connectString(), "failover", "127.0.0.1", 0));
        zk.closeAfter(c);
        return c.start();
    }

    private CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub(Coordinator c) {
        ManagedChannel ch = NettyChannelBuilder.forTarget(c.address()).usePlaintext().build();
        zk.closeAfter(ch::shutdownNow);
        return CoordinatorServiceGrpc.newBlockingStub(ch);
    }

    private static long timestamp(CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub) {
        TimestampResponse r = stub.getTimestamps(TimestampRequest.newBuilder().setCount(1).build());
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        return r.getFirst();
    }

    @Test
    void standbyLeadsAndServesWhenTheLeaderSessionDies() throws Exception {
        Coordinator first = coordinator("c1");
        assertThat(first.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Coordinator second = coordinator("c2");
        var toFirst = stub(first);
        var toSecond = stub(second);

        long before = 0;
        for (int i = 0; i < 20; i++) {
            long ts = timestamp(toFirst);
            assertThat(ts).isGreaterThan(before);
            before = ts;
        }
        TimestampResponse refused = toSecond.getTimestamps(TimestampRequest.newBuilder().setCount(1).build());
        assertThat(refused.getError().getCode()).isEqualTo(Error.Code.NOT_PRIMARY);
        assertThat(refused.getError().getMessage()).contains(first.address());

        // The leader's process "dies": its session expires on the server.
        ZkTesting.awaitCandidates(first.curator(), 2);
        ZkTesting.expireSession(first.curator());

        assertThat(second.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        assertThat(second.epoch()).isGreaterThan(1);
        long after = timestamp(toSecond);
        assertThat(after).isGreaterThan(before);

        CuratorFramework observer = ZkTesting.connect(zk.connectString(), "failover");
        zk.closeAfter(observer);
        assertThat(ZkTesting.eventually(5_000, () -> {
            try {
                CoordinatorInfo leader = CoordinatorInfo.parseFrom(observer.getData().forPath(ZkPaths.COORDINATOR_LEADER));
                return leader.getCoordinatorId().equals("c2") && leader.getAddress().equals(second.address())
                        && leader.getEpoch() == second.epoch();
            } catch (Exception e) {
                return false;
            }
        })).isTrue();

        // The old leader rejoins as a standby and points clients to the new one.
        assertThat(ZkTesting.eventually(10_000, () -> {
            TimestampResponse r = toFirst.getTimestamps(TimestampRequest.newBuilder().setCount(1).build());
            return r.getError().getCode() == Error.Code.NOT_PRIMARY && r.getError().getMessage().contains(second.address());
        })).isTrue();
        assertThat(first.isLeader()).isFalse();
    }

    @Test
    void timestampsKeepIncreasingWhenTheLeaderClosesAndWhenTheClusterRestarts() throws Exception {
        Coordinator first = coordinator("c1");
        assertThat(first.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Coordinator second = coordinator("c2");
        long last = timestamp(stub(first));

        first.close();
        assertThat(second.awaitLeadership(Duration.ofSeconds(5))).isTrue();
        long afterFailover = timestamp(stub(second));
        assertThat(afterFailover).isGreaterThan(last);

        second.close();
        Coordinator restarted = coordinator("c3");
        assertThat(restarted.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        assertThat(timestamp(stub(restarted))).isGreaterThan(afterFailover);
    }
}
