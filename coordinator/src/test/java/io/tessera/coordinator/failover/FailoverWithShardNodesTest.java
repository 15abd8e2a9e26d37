package io.tessera.coordinator.failover;

import static io.tessera.coordinator.testing.ZkTesting.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.coordinator.Coordinator;
import io.tessera.coordinator.CoordinatorConfig;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.testing.ZooKeeperFixture;
import io.tessera.node.ShardNode;
import io.tessera.node.ShardNodeConfig;
import io.tessera.node.storage.Durability;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover end to end with real shard nodes in this process, registered in an embedded ZooKeeper:
 * the coordinator promotes a sync-set member when a primary's node dies, pushes states to
 * returning nodes, and re-creates the replicas of a node that stays away.
 */
class FailoverWithShardNodesTest {
    private static final String CLUSTER = "real";
    private static final long WAIT_MS = 30_000;
    private static final RowCodec ROWS = new RowCodec(new ColumnType[] {ColumnType.BIGINT, ColumnType.VARCHAR});
    private static final RowCodec KEYS = new RowCodec(new ColumnType[] {ColumnType.BIGINT});

    @RegisterExtension
    final ZooKeeperFixture zk = new ZooKeeperFixture();
    @TempDir
    Path dir;
    final Map<String, ShardNode> nodes = new HashMap<>();
    final Map<String, ShardServiceGrpc.ShardServiceBlockingStub> stubs = new HashMap<>();
    CuratorFramework observer;
    long seq;

    private ShardNode start(String id, Path data) throws Exception {
        ShardNode n = new ShardNode(new ShardNodeConfig(id, data, "127.0.0.1", 0, zk.connectString(), CLUSTER,
                Durability.MEMORY));
        zk.closeAfter(n);
        n.start();
        nodes.put(id, n);
        return n;
    }

    private ShardNode start(String id) throws Exception {
        return start(id, dir.resolve(id));
    }

    /** Nodes n1..n{count}, a leading coordinator and table T with one shard (RF 3). */
    private void cluster(int count, Duration replaceAfter) throws Exception {
        for (int i = 1; i <= count; i++) {
            start("n" + i);
        }
        Coordinator c = new Coordinator(CoordinatorConfig.of("c1", zk.connectString(), CLUSTER, "127.0.0.1", 0)
                .withReplaceAfter(replaceAfter));
        zk.closeAfter(c);
        c.start();
        assertThat(c.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        observer = ZkTesting.connect(zk.connectString(), CLUSTER);
        zk.closeAfter(observer);
        ManagedChannel ch = NettyChannelBuilder.forTarget(c.address()).usePlaintext().build();
        zk.closeAfter(ch::shutdownNow);
        DdlResponse r = CoordinatorServiceGrpc.newBlockingStub(ch).createTable(CreateTableRequest.newBuilder()
                .setTable(TableSchema.newBuilder().setName("T")
                        .addColumns(ColumnDef.newBuilder().setName("ID").setType(ColumnType.BIGINT))
                        .addColumns(ColumnDef.newBuilder().setName("V").setType(ColumnType.VARCHAR).setNullable(true))
                        .addPrimaryKey(0).setShardCount(1)).build());
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(shard().getReplicasList()).containsExactly("n1", "n2", "n3");
        assertThat(shard().getPrimary()).isEqualTo("n1");
    }

    private ShardState shard() {
        try {
            return ShardState.parseFrom(observer.getData().forPath(ZkPaths.shardState(1)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ShardState awaitShard(Predicate<ShardState> condition) throws InterruptedException {
        assertThat(eventually(WAIT_MS, () -> condition.test(shard()))).as("shard state; last %s", shard()).isTrue();
        return shard();
    }

    /** Waits until the node's replica of shard 1 has adopted {@code state}. */
    private void awaitAdopted(String node, ShardState state) throws InterruptedException {
        assertThat(eventually(WAIT_MS, () -> {
            Replica r = nodes.get(node).replicas().get(1);
            return r != null && r.state().getEpoch() == state.getEpoch()
                    && r.state().getPrimary().equals(state.getPrimary())
                    && r.state().getReplicasList().equals(state.getReplicasList());
        })).as("node %s adopts %s", node, state).isTrue();
    }

    private ShardServiceGrpc.ShardServiceBlockingStub stub(String node) {
        return stubs.computeIfAbsent(nodes.get(node).address(), address -> {
            ManagedChannel ch = NettyChannelBuilder.forTarget(address).usePlaintext().build();
            zk.closeAfter(ch::shutdownNow);
            return ShardServiceGrpc.newBlockingStub(ch);
        });
    }

    /** Inserts a row through the primary, retrying while the replica group is not serving yet. */
    private void insert(long id, String v) throws InterruptedException {
        ShardState s = shard();
        WriteRequest w = WriteRequest.newBuilder()
                .setShard(ShardRef.newBuilder().setShardId(1).setEpoch(s.getEpoch()))
                .setCommitTs(1_000 + id).setSchemaVersion(1).setClientId("failover-test").setSeq(++seq)
                .addMutations(Mutation.newBuilder().setKind(Mutation.Kind.INSERT)
                        .setRow(ByteString.copyFrom(ROWS.encode(new Object[] {id, v}))))
                .build();
        var stub = stub(s.getPrimary());
        WriteResponse[] last = new WriteResponse[1];
        assertThat(eventually(WAIT_MS, () -> {
            last[0] = stub.withDeadlineAfter(10, TimeUnit.SECONDS).write(w);
            return last[0].getError().getCode() == Error.Code.OK;
        })).as("write acknowledged; last %s", last[0]).isTrue();
    }

    /** Reads row {@code id} from the current primary (latest committed state), retrying while it is not serving. */
    private Object[] read(long id) throws InterruptedException {
        Object[][] row = new Object[1][];
        GetResponse[] last = new GetResponse[1];
        assertThat(eventually(WAIT_MS, () -> {
            ShardState s = shard();
            last[0] = stub(s.getPrimary()).withDeadlineAfter(10, TimeUnit.SECONDS).get(GetRequest.newBuilder()
                    .setShard(ShardRef.newBuilder().setShardId(1).setEpoch(s.getEpoch()))
                    .addKeys(ByteString.copyFrom(KEYS.encode(new Object[] {id}))).build());
            if (last[0].getError().getCode() != Error.Code.OK) {
                return false;
            }
            row[0] = last[0].getFound(0) ? ROWS.decode(last[0].getRows(0).toByteArray()) : null;
            return true;
        })).as("read served; last %s", last[0]).isTrue();
        return row[0];
    }

    @Test
    void anAcknowledgedWriteSurvivesThePrimarysDeathOnThePromotedSyncSetMember() throws Exception {
        cluster(3, Duration.ofMinutes(10));
        insert(1, "one");
        insert(2, "two");

        nodes.get("n1").close();

        ShardState after = awaitShard(s -> s.getEpoch() == 2);
        assertThat(after.getPrimary()).isIn("n2", "n3");
        assertThat(after.getSyncSetList()).containsExactly("n2", "n3");
        assertThat(after.getReplicasList()).containsExactly("n1", "n2", "n3");
        awaitAdopted("n2", after);
        awaitAdopted("n3", after);
        assertThat(read(1)).containsExactly(1L, "one");
        assertThat(read(2)).containsExactly(2L, "two");
    }

    @Test
    void aReturningNodeAdoptsTheNewEpochAndAWipedOneGetsAnEmptyReplica() throws Exception {
        cluster(3, Duration.ofMinutes(10));
        nodes.get("n1").close();
        ShardState promoted = awaitShard(s -> s.getEpoch() == 2);
        awaitAdopted("n2", promoted);

        start("n1"); // same data directory: it still holds its replica of epoch 1
        awaitAdopted("n1", promoted);

        nodes.get("n3").close();
        ShardState withoutN3 = awaitShard(s -> !s.getSyncSetList().contains("n3"));
        start("n3", dir.resolve("n3-wiped")); // same id, empty disk
        awaitAdopted("n3", withoutN3);
    }

    @Test
    void aNodeAwayLongerThanReplaceAfterHasItsReplicaRecreatedOnAnotherNode() throws Exception {
        cluster(4, Duration.ofSeconds(2));
        insert(1, "one");

        nodes.get("n3").close();

        ShardState replaced = awaitShard(s -> s.getReplicasList().contains("n4"));
        assertThat(replaced.getReplicasList()).containsExactly("n1", "n2", "n4");
        assertThat(replaced.getPrimary()).isEqualTo("n1");
        assertThat(replaced.getEpoch()).isEqualTo(1);
        awaitAdopted("n4", replaced);

        // The primary fills the new replica and adds it to the sync set once it caught up.
        awaitShard(s -> s.getSyncSetList().contains("n4"));

        start("n3"); // back after its replica moved: it drops it
        assertThat(eventually(WAIT_MS, () -> nodes.get("n3").replicas().get(1) == null)).isTrue();
    }
}
