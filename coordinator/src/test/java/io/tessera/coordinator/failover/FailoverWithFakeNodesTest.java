package io.tessera.coordinator.failover;

import static io.tessera.coordinator.testing.ZkTesting.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.coordinator.Coordinator;
import io.tessera.coordinator.CoordinatorConfig;
import io.tessera.coordinator.testing.FakeShardNode;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.testing.ZooKeeperFixture;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import io.tessera.protocol.proto.TableSchema;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The leader's failover duty and ChangeSyncSet against fake shard nodes (real gRPC servers
 * registered in a real embedded ZooKeeper) that report the log positions the test gives them.
 */
class FailoverWithFakeNodesTest {
    private static final String CLUSTER = "failover";
    private static final long WAIT_MS = 15_000;

    @RegisterExtension
    final ZooKeeperFixture zk = new ZooKeeperFixture();
    final Map<String, FakeShardNode> nodes = new HashMap<>();
    CuratorFramework observer;
    Coordinator leader;

    private FakeShardNode node(String id, Long... held) throws Exception {
        FakeShardNode n = new FakeShardNode(id, zk.connectString(), CLUSTER, List.of(held));
        zk.closeAfter(n);
        nodes.put(id, n);
        return n;
    }

    private Coordinator coordinator(String id, Duration replaceAfter) throws Exception {
        Coordinator c = new Coordinator(CoordinatorConfig.of(id, zk.connectString(), CLUSTER, "127.0.0.1", 0)
                .withNodeRpcTimeout(Duration.ofSeconds(2)).withReplaceAfter(replaceAfter));
        zk.closeAfter(c);
        c.start();
        return c;
    }

    private CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub(Coordinator c) {
        ManagedChannel ch = NettyChannelBuilder.forTarget(c.address()).usePlaintext().build();
        zk.closeAfter(ch::shutdownNow);
        return CoordinatorServiceGrpc.newBlockingStub(ch);
    }

    /** Nodes n1..n{count}, a leading coordinator and one table of {@code shards} shards (RF 3 by default). */
    private CoordinatorServiceGrpc.CoordinatorServiceBlockingStub cluster(int count, int shards, Duration replaceAfter)
            throws Exception {
        for (int i = 1; i <= count; i++) {
            node("n" + i);
        }
        Coordinator c = coordinator("c1", replaceAfter);
        leader = c;
        assertThat(c.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        observer = ZkTesting.connect(zk.connectString(), CLUSTER);
        zk.closeAfter(observer);
        var stub = stub(c);
        DdlResponse r = stub.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("T")
                .addColumns(ColumnDef.newBuilder().setName("ID").setType(ColumnType.BIGINT))
                .addPrimaryKey(0).setShardCount(shards)).build());
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(r.getTable().getReplicationFactor()).isEqualTo(Math.min(3, count));
        return stub;
    }

    private ShardState shard(long id) {
        try {
            return ShardState.parseFrom(observer.getData().forPath(ZkPaths.shardState(id)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ShardState awaitShard(long id, Predicate<ShardState> condition) throws InterruptedException {
        assertThat(eventually(WAIT_MS, () -> condition.test(shard(id))))
                .as("shard %d reaches the expected state; last %s", id, shard(id)).isTrue();
        return shard(id);
    }

    private void awaitPushed(String node, ShardState state) throws InterruptedException {
        assertThat(eventually(WAIT_MS, () -> nodes.get(node).statesOf(state.getShardId()).contains(state)))
                .as("node %s receives %s", node, state).isTrue();
    }

    @Test
    void aLostPrimaryIsReplacedByTheMostAdvancedSyncSetMemberAtTheNextEpoch() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        ShardState before = shard(1);
        assertThat(before.getReplicasList()).containsExactly("n1", "n2", "n3");
        assertThat(before.getPrimary()).isEqualTo("n1");
        nodes.get("n2").positions = Map.of(1L, new long[] {1, 41});
        nodes.get("n3").positions = Map.of(1L, new long[] {1, 42});

        nodes.get("n1").close();

        ShardState after = awaitShard(1, s -> s.getEpoch() == 2);
        assertThat(after.getPrimary()).isEqualTo("n3");
        assertThat(after.getSyncSetList()).containsExactly("n2", "n3");
        assertThat(after.getReplicasList()).containsExactly("n1", "n2", "n3");
        awaitPushed("n2", after);
        awaitPushed("n3", after);
        assertThat(nodes.get("n3").opened).anySatisfy(open -> {
            assertThat(open.getShard()).isEqualTo(after);
            assertThat(open.getTable().getName()).isEqualTo("T");
        });
    }

    @Test
    void aPrimaryWhosePortRefusesConnectionsIsFailedOverBeforeItsSessionExpires() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        nodes.get("n2").positions = Map.of(1L, new long[] {1, 7});
        nodes.get("n3").positions = Map.of(1L, new long[] {1, 7});

        nodes.get("n1").crashKeepingSession(); // still registered in ZooKeeper

        ShardState after = awaitShard(1, s -> s.getEpoch() == 2);
        assertThat(after.getPrimary()).isEqualTo("n2");
        assertThat(after.getSyncSetList()).containsExactly("n2", "n3");
        assertThat(observer.getChildren().forPath(ZkPaths.NODES_LIVE)).contains("n1");
    }

    @Test
    void membersThatDoNotImplementReplicaStatusAreStillPromoted() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10)); // positions unset: ReplicaStatus is UNIMPLEMENTED

        nodes.get("n1").close();

        ShardState after = awaitShard(1, s -> s.getEpoch() == 2);
        assertThat(after.getPrimary()).isEqualTo("n2"); // equal positions: the first in replicas order
        assertThat(after.getSyncSetList()).containsExactly("n2", "n3");
        awaitPushed("n3", after);
    }

    @Test
    void aMemberThatDoesNotReportTheShardIsNoCandidateAndLeavesTheSyncSet() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        nodes.get("n2").positions = Map.of(1L, new long[] {1, 5});
        nodes.get("n3").positions = Map.of(); // answers, but holds no replica of the shard (wiped disk)

        nodes.get("n1").close();

        ShardState after = awaitShard(1, s -> s.getEpoch() == 2);
        assertThat(after.getPrimary()).isEqualTo("n2");
        assertThat(after.getSyncSetList()).containsExactly("n2");
    }

    @Test
    void aShardWithoutALiveSyncSetMemberStaysDownWhileOthersFailOver() throws Exception {
        var stub = cluster(3, 2, Duration.ofMinutes(10));
        // Shard 1: n1 primary; shard 2: n2 primary (placement rotates). Shrink shard 1's sync set to its primary.
        ShardState s1 = shard(1);
        assertThat(s1.getPrimary()).isEqualTo("n1");
        assertThat(shard(2).getReplicasList()).contains("n1");
        SyncSetChangeResponse r = stub.changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(1)
                .setEpoch(s1.getEpoch()).setPrimary("n1").addRemove("n2").addRemove("n3").build());
        assertThat(r.getState().getSyncSetList()).containsExactly("n1");
        ShardState shrunk = r.getState();

        nodes.get("n1").close();

        // Shard 2 loses a follower in the same sweep that finds shard 1 down.
        awaitShard(2, s -> !s.getSyncSetList().contains("n1"));
        assertThat(shard(1)).isEqualTo(shrunk);
    }

    @Test
    void aDeadFollowerLeavesTheSyncSetWithoutANewEpoch() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));

        nodes.get("n3").close();

        ShardState after = awaitShard(1, s -> s.getSyncSetList().size() == 2);
        assertThat(after.getEpoch()).isEqualTo(1);
        assertThat(after.getPrimary()).isEqualTo("n1");
        assertThat(after.getSyncSetList()).containsExactly("n1", "n2");
        assertThat(after.getReplicasList()).containsExactly("n1", "n2", "n3");
        awaitPushed("n1", after);
        awaitPushed("n2", after);
    }

    @Test
    void aReturningNodeGetsTheCurrentStateOfItsShards() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        nodes.get("n1").close();
        ShardState promoted = awaitShard(1, s -> s.getEpoch() == 2);

        FakeShardNode back = node("n1"); // a wiped disk: it holds nothing

        awaitPushed("n1", promoted);
        assertThat(back.droppedShardIds()).isEmpty();
    }

    @Test
    void aPrimaryFoundWithoutItsReplicaIsFailedOverAndReopenedAsAFollower() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        Coordinator standby = coordinator("c2", Duration.ofMinutes(10));
        ZkTesting.awaitCandidates(observer, 2);
        nodes.get("n1").lost.add(1L); // restarted on an empty disk before its session expired

        leader.close(); // the new leader reconciles every node

        assertThat(standby.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        ShardState after = awaitShard(1, s -> s.getEpoch() == 2);
        assertThat(after.getPrimary()).isEqualTo("n2");
        assertThat(after.getSyncSetList()).containsExactly("n2", "n3");
        assertThat(after.getReplicasList()).containsExactly("n1", "n2", "n3");
        awaitPushed("n1", after);
    }

    @Test
    void aFollowerFoundWithoutItsReplicaLeavesTheSyncSetBeforeItIsReopened() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        Coordinator standby = coordinator("c2", Duration.ofMinutes(10));
        ZkTesting.awaitCandidates(observer, 2);
        nodes.get("n3").lost.add(1L);

        leader.close();

        assertThat(standby.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        ShardState after = awaitShard(1, s -> !s.getSyncSetList().contains("n3"));
        assertThat(after.getEpoch()).isEqualTo(1);
        assertThat(after.getSyncSetList()).containsExactly("n1", "n2");
        awaitPushed("n3", after);
    }

    @Test
    void aNodeAwayLongerThanReplaceAfterIsReplacedAndDropsTheReplicaWhenItReturns() throws Exception {
        cluster(4, 1, Duration.ofSeconds(2));
        ShardState before = shard(1);
        assertThat(before.getReplicasList()).containsExactly("n1", "n2", "n3");

        nodes.get("n3").close();

        ShardState replaced = awaitShard(1, s -> s.getReplicasList().contains("n4"));
        assertThat(replaced.getReplicasList()).containsExactly("n1", "n2", "n4");
        assertThat(replaced.getSyncSetList()).containsExactly("n1", "n2");
        assertThat(replaced.getEpoch()).isEqualTo(1);
        assertThat(replaced.getPrimary()).isEqualTo("n1");
        for (String n : List.of("n1", "n2", "n4")) {
            awaitPushed(n, replaced);
        }

        FakeShardNode back = node("n3", 1L); // its disk still has the replica

        assertThat(eventually(WAIT_MS, () -> back.droppedShardIds().contains(1L))).isTrue();
        assertThat(back.statesOf(1)).isEmpty();
    }

    @Test
    void changeSyncSetAppliesOnlyForTheCurrentEpochAndPrimary() throws Exception {
        var stub = cluster(3, 1, Duration.ofMinutes(10));
        ShardState s = shard(1);

        SyncSetChangeResponse removed = stub.changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(1)
                .setEpoch(1).setPrimary("n1").addRemove("n3").addRemove("n1").build());
        assertThat(removed.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(removed.getState().getSyncSetList()).containsExactly("n1", "n2");
        assertThat(removed.getState().getEpoch()).isEqualTo(1);
        assertThat(shard(1)).isEqualTo(removed.getState());
        awaitPushed("n3", removed.getState());

        SyncSetChangeResponse added = stub.changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(1)
                .setEpoch(1).setPrimary("n1").addAdd("n3").addAdd("elsewhere").build());
        assertThat(added.getState().getSyncSetList()).containsExactly("n1", "n2", "n3");
        // Back to the first sync set, as a newer configuration of the same epoch.
        assertThat(added.getState().getConfigVersion()).isEqualTo(s.getConfigVersion() + 2);
        s = s.toBuilder().setConfigVersion(s.getConfigVersion() + 2).build();
        assertThat(shard(1)).isEqualTo(s);

        for (SyncSetChangeRequest stale : List.of(
                SyncSetChangeRequest.newBuilder().setShardId(1).setEpoch(0).setPrimary("n1").addRemove("n2").build(),
                SyncSetChangeRequest.newBuilder().setShardId(1).setEpoch(1).setPrimary("n2").addRemove("n3").build())) {
            SyncSetChangeResponse r = stub.changeSyncSet(stale);
            assertThat(r.getError().getCode()).isEqualTo(Error.Code.STALE_EPOCH);
            assertThat(r.getState()).isEqualTo(s);
        }
        assertThat(stub.changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(99).setEpoch(1).setPrimary("n1")
                .build()).getError().getCode()).isEqualTo(Error.Code.UNKNOWN_SHARD);
        assertThat(shard(1)).isEqualTo(s);
    }

    @Test
    void changeSyncSetDoesNotAddANodeThatHoldsNoReplica() throws Exception {
        var stub = cluster(3, 1, Duration.ofMinutes(10));
        SyncSetChangeResponse removed = stub.changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(1)
                .setEpoch(1).setPrimary("n1").addRemove("n2").addRemove("n3").build());
        nodes.get("n2").positions = Map.of(); // came back on an empty disk
        nodes.get("n3").positions = Map.of(1L, new long[] {1, 9});

        SyncSetChangeResponse r = stub.changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(1)
                .setEpoch(1).setPrimary("n1").addAdd("n2").addAdd("n3").build());

        assertThat(removed.getState().getSyncSetList()).containsExactly("n1");
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(r.getState().getSyncSetList()).containsExactly("n1", "n3");
    }

    @Test
    void changeSyncSetDoesNotAddANodeThatIsNotLive() throws Exception {
        var stub = cluster(3, 1, Duration.ofMinutes(10));
        nodes.get("n3").close();
        ShardState without = awaitShard(1, s -> !s.getSyncSetList().contains("n3"));

        SyncSetChangeResponse r = stub.changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(1)
                .setEpoch(1).setPrimary("n1").addAdd("n3").build());

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(r.getState()).isEqualTo(without);
        assertThat(shard(1)).isEqualTo(without);
    }

    @Test
    void aStandbyAnswersChangeSyncSetWithNotPrimary() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        Coordinator standby = coordinator("c2", Duration.ofMinutes(10));

        SyncSetChangeResponse r = stub(standby).changeSyncSet(SyncSetChangeRequest.newBuilder().setShardId(1)
                .setEpoch(1).setPrimary("n1").addRemove("n3").build());

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.NOT_PRIMARY);
        assertThat(shard(1).getSyncSetList()).containsExactly("n1", "n2", "n3");
    }

    @Test
    void aNewLeaderFailsOverAShardWhosePrimaryDiedMeanwhile() throws Exception {
        cluster(3, 1, Duration.ofMinutes(10));
        Coordinator standby = coordinator("c2", Duration.ofMinutes(10));
        ZkTesting.awaitCandidates(observer, 2);
        nodes.get("n2").positions = Map.of(1L, new long[] {1, 3});
        nodes.get("n3").positions = Map.of(1L, new long[] {1, 4});

        leader.close();
        nodes.get("n1").close();

        assertThat(standby.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        ShardState after = awaitShard(1, s -> s.getEpoch() == 2);
        assertThat(after.getPrimary()).isEqualTo("n3");
        awaitPushed("n2", after);
    }
}
