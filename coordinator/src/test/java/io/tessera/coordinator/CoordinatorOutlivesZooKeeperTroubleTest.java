package io.tessera.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timestamp oracle keeps serving through a ZooKeeper outage shorter than its lease, within the
 * same term; a longer one stops it until a new term; and a standby takes over from a leader whose
 * port refuses connections without waiting for the leader's session to expire.
 */
class CoordinatorOutlivesZooKeeperTroubleTest {
    private static final Duration SESSION = Duration.ofSeconds(4);

    @TempDir
    Path dir;
    private EmbeddedZooKeeper zk;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    private void startZooKeeper(int port) throws Exception {
        zk = new EmbeddedZooKeeper(dir.resolve("zk"), port).start();
    }

    private Coordinator coordinator(String id) throws Exception {
        Coordinator c = new Coordinator(CoordinatorConfig.of(id, zk.connectString(), "outage", "127.0.0.1", 0)
                .withZkSessionTimeout(SESSION));
        closeables.add(c);
        return c.start();
    }

    private CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub(Coordinator c) {
        ManagedChannel ch = NettyChannelBuilder.forTarget(c.address()).usePlaintext().build();
        closeables.add(ch::shutdownNow);
        return CoordinatorServiceGrpc.newBlockingStub(ch);
    }

    private static TimestampResponse ask(CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub) {
        return stub.getTimestamps(TimestampRequest.newBuilder().setCount(1).build());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void timestampsContinueThroughAShortOutageInTheSameTerm() throws Exception {
        int port = freePort();
        startZooKeeper(port);
        Coordinator leader = coordinator("c1");
        assertThat(leader.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        long epoch = leader.epoch();
        var tso = stub(leader);
        long last = ask(tso).getFirst();

        zk.close();
        long outageEnds = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        int served = 0;
        while (System.nanoTime() < outageEnds) {
            TimestampResponse r = ask(tso);
            assertThat(r.getError().getCode()).as("timestamp during the outage: %s", r.getError().getMessage())
                    .isEqualTo(Error.Code.OK);
            assertThat(r.getFirst()).isGreaterThan(last);
            last = r.getFirst();
            served++;
            Thread.sleep(20);
        }
        assertThat(served).isPositive();

        startZooKeeper(port);
        // Once ZooKeeper confirms the session again the lease is renewed (if it ran out meanwhile).
        assertThat(ZkTesting.eventually(10_000, () -> ask(tso).getError().getCode() == Error.Code.OK)).isTrue();
        assertThat(ask(tso).getFirst()).isGreaterThan(last);
        assertThat(leader.isLeader()).isTrue();
        assertThat(leader.epoch()).as("the term survived the outage").isEqualTo(epoch);
    }

    @Test
    void anOutageLongerThanTheLeaseStopsTimestampsUntilANewTerm() throws Exception {
        int port = freePort();
        startZooKeeper(port);
        Coordinator leader = coordinator("c1");
        assertThat(leader.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        long epoch = leader.epoch();
        var tso = stub(leader);
        long last = ask(tso).getFirst();

        zk.close();
        // The lease is 75% of the session timeout: after the whole timeout the oracle must refuse.
        Thread.sleep(SESSION.toMillis() + 500);
        TimestampResponse refused = ask(tso);
        assertThat(refused.getError().getCode()).isEqualTo(Error.Code.NOT_PRIMARY);

        startZooKeeper(port);
        assertThat(leader.awaitLeadership(Duration.ofSeconds(20))).isTrue();
        assertThat(ZkTesting.eventually(10_000, () -> ask(tso).getError().getCode() == Error.Code.OK)).isTrue();
        assertThat(ask(tso).getFirst()).isGreaterThan(last);
        assertThat(leader.epoch()).as("a lost session starts a new term").isGreaterThan(epoch);
    }

    @Test
    void aStandbyLeadsAsSoonAsTheLeadersPortRefusesConnections() throws Exception {
        startZooKeeper(0);
        Coordinator first = coordinator("c1");
        assertThat(first.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        Coordinator second = coordinator("c2");
        ZkTesting.awaitCandidates(first.curator(), 2);
        long last = ask(stub(first)).getFirst();

        // The leader's process "dies" but its ZooKeeper session lives on (as until it times out).
        first.closePortForTest();

        assertThat(second.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        assertThat(first.curator().getZookeeperClient().isConnected())
                .as("taken over while the old leader's session is still alive").isTrue();
        assertThat(ask(stub(second)).getFirst()).isGreaterThan(last);
        // Had the old leader been alive after all, it steps down instead of acting on a lost latch.
        assertThat(ZkTesting.eventually(10_000, () -> !first.isLeader())).isTrue();
    }
}
