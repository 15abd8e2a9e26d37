package io.tessera.sql.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tessera.coordinator.Coordinator;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.sql.error.TesseraException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinatorClientTest {
    @TempDir
    Path dir;

    @Test
    void concurrentCallersGetUniqueTimestampsEachAfterItsCallBegan() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, "tso", 1, 0);
                ClusterClient client = ClusterClient.connect(cluster.zkConnect(), cluster.name)) {
            CoordinatorClient coordinator = client.coordinator();
            Set<Long> all = ConcurrentHashMap.newKeySet();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    done.add(pool.submit(() -> {
                        long previous = 0;
                        for (int i = 0; i < 200; i++) {
                            long ts = coordinator.nextTimestamp();
                            // A caller's later request is served by a later call: strictly larger.
                            assertThat(ts).isGreaterThan(previous);
                            previous = ts;
                            all.add(ts);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(all).hasSize(1600);

            // Linearizable across callers: a timestamp asked for after another was returned is larger.
            long seen = coordinator.nextTimestamp();
            ExecutorService other = Executors.newSingleThreadExecutor();
            long later;
            try {
                later = other.submit(coordinator::nextTimestamp).get();
            } finally {
                other.shutdownNow();
            }
            assertThat(later).isGreaterThan(seen);
            TimestampRange range = coordinator.timestamps(10);
            assertThat(range.first()).isGreaterThan(later);
            assertThat(coordinator.nextTimestamp()).isGreaterThan(range.last());
        }
    }

    /**
     * An oracle leaving gaps between its timestamps (for the shards' one-phase commits): a batch
     * and coalesced callers only get first + i * step, never a value in a gap; a coordinator that
     * sends no step hands out consecutive numbers, as before.
     */
    @Test
    void timestampsOfOneAnswerAreTheOraclesStepApart() throws Exception {
        long step = 1L << 14;
        SteppingOracle stepping = new SteppingOracle(step);
        SteppingOracle consecutive = new SteppingOracle(0);
        try (TestCluster cluster = new TestCluster(dir, "stepping", 0, 0);
                CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(cluster.zkConnect())
                        .namespace(ZkPaths.namespace(cluster.name)).retryPolicy(new RetryOneTime(100)).build()) {
            zk.start();
            zk.create().creatingParentsIfNeeded().forPath(ZkPaths.COORDINATOR_LEADER,
                    CoordinatorInfo.newBuilder().setAddress("127.0.0.1:" + stepping.port()).build().toByteArray());
            CoordinatorClient coordinator = new CoordinatorClient(zk, Duration.ofSeconds(10), Duration.ofSeconds(5),
                    Duration.ofSeconds(5));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                TimestampRange range = coordinator.timestamps(3);
                assertThat(List.of(range.get(0), range.get(1), range.get(2))).containsExactly(
                        range.first(), range.first() + step, range.first() + 2 * step);
                assertThat(range.first() % step).isZero();
                stepping.largestCount.set(0);

                Set<Long> all = ConcurrentHashMap.newKeySet();
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 100; i++) {
                            all.add(coordinator.nextTimestamp());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertThat(all).hasSize(800).allSatisfy(ts -> assertThat(ts % step).isZero());
                assertThat(all).allSatisfy(ts -> assertThat(stepping.handedOut).contains(ts));
                // Some callers were really coalesced (else the gaps were never at stake).
                assertThat(stepping.largestCount.get()).isGreaterThan(1);

                zk.setData().forPath(ZkPaths.COORDINATOR_LEADER,
                        CoordinatorInfo.newBuilder().setAddress("127.0.0.1:" + consecutive.port()).build()
                                .toByteArray());
                stepping.close(); // the client finds the new "leader" once this one is gone
                TimestampRange old = coordinator.timestamps(3);
                assertThat(old.last()).isEqualTo(old.first() + 2);
                assertThat(consecutive.handedOut).contains(old.first(), old.first() + 1, old.first() + 2);
            } finally {
                pool.shutdownNow();
                coordinator.close();
                stepping.close();
                consecutive.close();
            }
        }
    }

    /** A coordinator's oracle over gRPC handing out first, first + step, ... (step 0: not sent). */
    private static final class SteppingOracle implements AutoCloseable {
        final Set<Long> handedOut = ConcurrentHashMap.newKeySet();
        final java.util.concurrent.atomic.AtomicInteger largestCount = new java.util.concurrent.atomic.AtomicInteger();
        private final Server server;
        private long next;

        SteppingOracle(long step) throws java.io.IOException {
            long distance = Math.max(1, step);
            next = 1000 * distance;
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new CoordinatorServiceGrpc.CoordinatorServiceImplBase() {
                        @Override
                        public void getTimestamps(TimestampRequest r, StreamObserver<TimestampResponse> out) {
                            long first;
                            synchronized (SteppingOracle.this) {
                                first = next;
                                next += r.getCount() * distance;
                            }
                            for (int i = 0; i < r.getCount(); i++) {
                                handedOut.add(first + i * distance);
                            }
                            largestCount.accumulateAndGet(r.getCount(), Math::max);
                            TimestampResponse.Builder answer = TimestampResponse.newBuilder().setFirst(first)
                                    .setCount(r.getCount());
                            if (step > 0) {
                                answer.setStep(step);
                            }
                            out.onNext(answer.build());
                            out.onCompleted();
                        }
                    }).build().start();
        }

        int port() {
            return server.getPort();
        }

        @Override
        public void close() {
            server.shutdownNow();
        }
    }

    @Test
    void followsTheLeaderWhenItChanges() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, "follow", 2, 1);
                ClusterClient client = ClusterClient.connect(cluster.zkConnect(), cluster.name)) {
            CoordinatorClient coordinator = client.coordinator();
            long before = coordinator.nextTimestamp();
            Coordinator leader = cluster.coordinators.get(0);
            Coordinator standby = cluster.coordinators.get(1);

            leader.close();

            long after = coordinator.nextTimestamp();
            assertThat(after).isGreaterThan(before);
            assertThat(standby.isLeader()).isTrue();
            DdlResponse r = coordinator.createTable(CreateTableRequest.newBuilder()
                    .setTable(TestCluster.table("AFTER_FAILOVER", 1)).build());
            assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        }
    }

    @Test
    void givesUpWith08006WhenNoCoordinatorLeads() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, "headless", 0, 0);
                CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(cluster.zkConnect())
                        .namespace(ZkPaths.namespace(cluster.name)).retryPolicy(new RetryOneTime(100)).build()) {
            zk.start();
            CoordinatorClient coordinator = new CoordinatorClient(zk, Duration.ofMillis(500), Duration.ofSeconds(5),
                    Duration.ofSeconds(1));
            long start = System.nanoTime();
            try {
                assertThatThrownBy(coordinator::nextTimestamp)
                        .isInstanceOfSatisfying(TesseraException.class, e -> {
                            assertThat(e.sqlState()).isEqualTo("08006");
                            assertThat(e.getMessage()).contains("no coordinator");
                        });
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            } finally {
                coordinator.close();
            }
        }
    }

    @Test
    void keepsAskingForTimestampsWhileThePublishedLeaderDoesNotAnswer() throws Exception {
        Server stuck = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new CoordinatorServiceGrpc.CoordinatorServiceImplBase() {
                    @Override
                    public void getTimestamps(TimestampRequest r, StreamObserver<TimestampResponse> out) {
                        // never answers: a stopped process
                    }
                }).build().start();
        try (TestCluster cluster = new TestCluster(dir, "stuck-leader", 1, 0);
                CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(cluster.zkConnect())
                        .namespace(ZkPaths.namespace(cluster.name)).retryPolicy(new RetryOneTime(100)).build()) {
            zk.start();
            byte[] real = zk.getData().forPath(ZkPaths.COORDINATOR_LEADER);
            CoordinatorInfo leader = CoordinatorInfo.parseFrom(real);
            zk.setData().forPath(ZkPaths.COORDINATOR_LEADER,
                    leader.toBuilder().setAddress("127.0.0.1:" + stuck.getPort()).build().toByteArray());
            CoordinatorClient coordinator = new CoordinatorClient(zk, Duration.ofSeconds(20), Duration.ofSeconds(5),
                    Duration.ofMillis(300));
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                Future<Long> ts = executor.submit(coordinator::nextTimestamp);
                Thread.sleep(1000);
                assertThat(ts).isNotDone();
                // The new leader publishes itself.
                zk.setData().forPath(ZkPaths.COORDINATOR_LEADER, real);
                assertThat(ts.get(10, TimeUnit.SECONDS)).isPositive();
            } finally {
                executor.shutdownNow();
                coordinator.close();
            }
        } finally {
            stuck.shutdownNow();
        }
    }
}
