package io.tessera.coordinator.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tessera.coordinator.Coordinator;
import io.tessera.coordinator.CoordinatorConfig;
import io.tessera.coordinator.testing.FakeShardNode;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.CreateIndexRequest;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.CreateViewRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.DropIndexRequest;
import io.tessera.protocol.proto.DropTableRequest;
import io.tessera.protocol.proto.DropViewRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DDL through the leader's gRPC service, against fake shard nodes that are real gRPC servers. */
class CatalogDdlTest {
    private static final String CLUSTER = "ddl";

    @TempDir
    Path dir;
    EmbeddedZooKeeper zk;
    Coordinator coordinator;
    CuratorFramework zkClient;
    CoordinatorServiceGrpc.CoordinatorServiceBlockingStub ddl;
    final List<FakeShardNode> nodes = new ArrayList<>();
    ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        zk = new EmbeddedZooKeeper(dir, 0).start();
        for (String id : List.of("n1", "n2", "n3")) {
            nodes.add(new FakeShardNode(id, zk.connectString(), CLUSTER));
        }
        coordinator = new Coordinator(CoordinatorConfig.of("c1", zk.connectString(), CLUSTER, "127.0.0.1", 0)
                .withNodeRpcTimeout(Duration.ofSeconds(2)).withDefaultReplicationFactor(1)).start();
        assertThat(coordinator.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        channel = NettyChannelBuilder.forTarget(coordinator.address()).usePlaintext().build();
        ddl = CoordinatorServiceGrpc.newBlockingStub(channel);
        zkClient = ZkTesting.connect(zk.connectString(), CLUSTER);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        zkClient.close();
        coordinator.close();
        for (FakeShardNode n : nodes) {
            n.close();
        }
        zk.close();
    }

    static TableSchema orders(String name, int shards) {
        return TableSchema.newBuilder().setName(name)
                .addColumns(ColumnDef.newBuilder().setName("ID").setType(ColumnType.BIGINT))
                .addColumns(ColumnDef.newBuilder().setName("CUSTOMER").setType(ColumnType.VARCHAR).setNullable(true))
                .addPrimaryKey(0).setShardCount(shards).build();
    }

    private DdlResponse create(TableSchema t) {
        return ddl.createTable(CreateTableRequest.newBuilder().setTable(t).build());
    }

    private TableSchema storedTable(String name) throws Exception {
        return TableSchema.parseFrom(zkClient.getData().forPath(ZkPaths.table(name)));
    }

    private ShardState storedShard(long id) throws Exception {
        return ShardState.parseFrom(zkClient.getData().forPath(ZkPaths.shardState(id)));
    }

    @Test
    void createTableSpreadsShardsEvenlyOpensThemAndPublishesTableAndShardStates() throws Exception {
        DdlResponse r = create(orders("ORDERS", 6));

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        TableSchema t = r.getTable();
        assertThat(t.getTableId()).isEqualTo(1);
        assertThat(t.getVersion()).isEqualTo(1);
        assertThat(t.getShardKeyList()).containsExactly(0);
        assertThat(t.getReplicationFactor()).isEqualTo(1);
        assertThat(storedTable("ORDERS")).isEqualTo(t);

        Map<String, Integer> perNode = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            ShardState s = storedShard(1 + i);
            assertThat(s.getTableId()).isEqualTo(1);
            assertThat(s.getOrdinal()).isEqualTo(i);
            assertThat(s.getEpoch()).isEqualTo(1);
            assertThat(s.getReplicasList()).containsExactly(s.getPrimary());
            assertThat(s.getSyncSetList()).containsExactly(s.getPrimary());
            assertThat(s.getHashLo()).isEqualTo(ShardHash.rangeStart(i, 6));
            assertThat(s.getHashHi()).isEqualTo(ShardHash.rangeEnd(i, 6));
            perNode.merge(s.getPrimary(), 1, Integer::sum);
            FakeShardNode node = nodes.stream().filter(n -> n.nodeId().equals(s.getPrimary())).findFirst().orElseThrow();
            assertThat(node.opened).anySatisfy(open -> {
                assertThat(open.getShard()).isEqualTo(s);
                assertThat(open.getTable()).isEqualTo(t);
            });
        }
        assertThat(perNode).containsOnlyKeys("n1", "n2", "n3").allSatisfy((n, c) -> assertThat(c).isEqualTo(2));

        // A second table starts on the least-loaded nodes and gets fresh ids.
        TableSchema second = create(orders("ITEMS", 1)).getTable();
        assertThat(second.getTableId()).isEqualTo(2);
        assertThat(storedShard(7).getTableId()).isEqualTo(2);
    }

    @Test
    void tableNameClashIsRefusedWith42S01UnlessIfNotExists() throws Exception {
        TableSchema first = create(orders("T", 2)).getTable();

        DdlResponse clash = create(orders("T", 3));
        assertThat(clash.getError().getCode()).isEqualTo(Error.Code.BAD_REQUEST);
        assertThat(clash.getError().getSqlState()).isEqualTo("42S01");
        assertThat(clash.getError().getMessage()).contains("'T'").contains("already exists");

        DdlResponse again = ddl.createTable(CreateTableRequest.newBuilder().setTable(orders("T", 3)).setIfNotExists(true).build());
        assertThat(again.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(again.getTable()).isEqualTo(first);
        // Only the first table's two shards were ever opened (the failover sweep's first
        // reconciliation of a node may push the same state a second time, which is harmless).
        assertThat(nodes.stream().flatMap(n -> n.openedShardIds().stream()).distinct())
                .containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    void failedOpenRollsBackOpenedReplicasAndPublishesNothing() throws Exception {
        nodes.get(1).openFailure = Status.UNAVAILABLE.withDescription("disk on fire");

        DdlResponse r = create(orders("BROKEN", 3));

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.INTERNAL);
        assertThat(r.getError().getSqlState()).startsWith("08");
        assertThat(r.getError().getMessage()).contains("BROKEN").contains("n2").contains("disk on fire");
        assertThat(zkClient.checkExists().forPath(ZkPaths.table("BROKEN"))).isNull();
        assertThat(zkClient.getChildren().forPath(ZkPaths.SHARDS)).isEmpty();
        for (FakeShardNode n : List.of(nodes.get(0), nodes.get(2))) {
            assertThat(n.dropped.stream().map(d -> d.getShardId()).toList())
                    .containsExactlyInAnyOrderElementsOf(n.openedShardIds());
        }
    }

    @Test
    void dropTableRemovesItsZnodesAndDropsTheReplicas() throws Exception {
        TableSchema t = create(orders("GONE", 3)).getTable();
        create(orders("KEPT", 1));

        DdlResponse r = ddl.dropTable(DropTableRequest.newBuilder().setName("GONE").build());

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(r.getTable().getTableId()).isEqualTo(t.getTableId());
        assertThat(zkClient.checkExists().forPath(ZkPaths.table("GONE"))).isNull();
        assertThat(zkClient.getChildren().forPath(ZkPaths.SHARDS)).containsExactly("4");
        assertThat(nodes.stream().flatMap(n -> n.dropped.stream()).map(d -> d.getShardId()).toList())
                .containsExactlyInAnyOrder(1L, 2L, 3L);

        DdlResponse missing = ddl.dropTable(DropTableRequest.newBuilder().setName("GONE").build());
        assertThat(missing.getError().getSqlState()).isEqualTo("42S02");
        DdlResponse tolerated = ddl.dropTable(DropTableRequest.newBuilder().setName("GONE").setIfExists(true).build());
        assertThat(tolerated.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(tolerated.hasTable()).isFalse();
    }

    @Test
    void createIndexInstallsTheNewSchemaOnEveryReplicaBeforePublishing() throws Exception {
        create(orders("ORDERS", 3));
        IndexDef byCustomer = IndexDef.newBuilder().setName("ORDERS_BY_CUSTOMER").addColumns(1).build();

        DdlResponse r = ddl.createIndex(CreateIndexRequest.newBuilder().setTable("ORDERS").setIndex(byCustomer).build());

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        TableSchema t = r.getTable();
        assertThat(t.getVersion()).isEqualTo(2);
        assertThat(t.getIndexesList()).containsExactly(byCustomer.toBuilder().setIndexId(1).build());
        assertThat(storedTable("ORDERS")).isEqualTo(t);
        assertThat(nodes.stream().flatMap(n -> n.schemaUpdates.stream()).toList())
                .hasSize(3).allSatisfy(u -> assertThat(u.getTable()).isEqualTo(t));

        IndexDef second = IndexDef.newBuilder().setName("ORDERS_BY_ID_CUSTOMER").addColumns(0).addColumns(1).build();
        TableSchema t3 = ddl.createIndex(CreateIndexRequest.newBuilder().setTable("ORDERS").setIndex(second).build()).getTable();
        assertThat(t3.getIndexes(1).getIndexId()).isEqualTo(2);
        assertThat(t3.getVersion()).isEqualTo(3);

        // Index names are global: another table cannot reuse one.
        create(orders("OTHER", 1));
        DdlResponse clash = ddl.createIndex(CreateIndexRequest.newBuilder().setTable("OTHER").setIndex(byCustomer).build());
        assertThat(clash.getError().getSqlState()).isEqualTo("42S11");
        assertThat(clash.getError().getMessage()).contains("ORDERS_BY_CUSTOMER").contains("ORDERS");

        DdlResponse noTable = ddl.createIndex(CreateIndexRequest.newBuilder().setTable("NOPE")
                .setIndex(IndexDef.newBuilder().setName("X").addColumns(0)).build());
        assertThat(noTable.getError().getSqlState()).isEqualTo("42S02");
    }

    @Test
    void uniqueIndexOverDuplicatesReturnsDuplicateKeyAndIsNotPublished() throws Exception {
        create(orders("ORDERS", 3));
        for (FakeShardNode n : nodes) {
            n.schemaUpdates.clear();
        }
        nodes.get(2).updateSchemaError = ShardErrors.of(Error.Code.DUPLICATE_KEY, "duplicate CUSTOMER 'acme'");
        nodes.get(2).failOnce = true;

        DdlResponse r = ddl.createIndex(CreateIndexRequest.newBuilder().setTable("ORDERS")
                .setIndex(IndexDef.newBuilder().setName("U_CUSTOMER").addColumns(1).setUnique(true)).build());

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.DUPLICATE_KEY);
        assertThat(r.getError().getSqlState()).isEqualTo("23505");
        assertThat(r.getError().getMessage()).contains("U_CUSTOMER").contains("acme");
        assertThat(storedTable("ORDERS").getVersion()).isEqualTo(1);
        assertThat(storedTable("ORDERS").getIndexesList()).isEmpty();
        // The replicas that built the index went back to version 1.
        for (FakeShardNode n : List.of(nodes.get(0), nodes.get(1))) {
            assertThat(n.schemaUpdates).last().satisfies(u -> assertThat(u.getTable().getVersion()).isEqualTo(1));
        }
    }

    @Test
    void dropIndexFindsItsTableAndRemovesIt() throws Exception {
        create(orders("ORDERS", 2));
        ddl.createIndex(CreateIndexRequest.newBuilder().setTable("ORDERS")
                .setIndex(IndexDef.newBuilder().setName("I1").addColumns(1)).build());

        DdlResponse r = ddl.dropIndex(DropIndexRequest.newBuilder().setName("I1").build());

        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(r.getTable().getIndexesList()).isEmpty();
        assertThat(r.getTable().getVersion()).isEqualTo(3);
        assertThat(storedTable("ORDERS")).isEqualTo(r.getTable());
        assertThat(ddl.dropIndex(DropIndexRequest.newBuilder().setName("I1").build()).getError().getSqlState())
                .isEqualTo("42S12");
        assertThat(ddl.dropIndex(DropIndexRequest.newBuilder().setName("I1").setIfExists(true).build())
                .getError().getCode()).isEqualTo(Error.Code.OK);
    }

    @Test
    void viewsAreCreatedReplacedAndDroppedAndShareTheTableNamespace() throws Exception {
        create(orders("ORDERS", 1));
        ViewDef v = ViewDef.newBuilder().setName("BIG").setSql("SELECT * FROM ORDERS WHERE ID > 10").build();

        assertThat(ddl.createView(CreateViewRequest.newBuilder().setView(v).build()).getError().getCode())
                .isEqualTo(Error.Code.OK);
        assertThat(ViewDef.parseFrom(zkClient.getData().forPath(ZkPaths.view("BIG")))).isEqualTo(v);

        assertThat(ddl.createView(CreateViewRequest.newBuilder().setView(v).build()).getError().getSqlState())
                .isEqualTo("42S01");
        ViewDef replaced = v.toBuilder().setSql("SELECT ID FROM ORDERS").build();
        assertThat(ddl.createView(CreateViewRequest.newBuilder().setView(replaced).setOrReplace(true).build())
                .getError().getCode()).isEqualTo(Error.Code.OK);
        assertThat(ViewDef.parseFrom(zkClient.getData().forPath(ZkPaths.view("BIG")))).isEqualTo(replaced);

        ViewDef shadowing = ViewDef.newBuilder().setName("ORDERS").setSql("SELECT 1").build();
        assertThat(ddl.createView(CreateViewRequest.newBuilder().setView(shadowing).build()).getError().getSqlState())
                .isEqualTo("42S01");
        assertThat(create(orders("BIG", 1)).getError().getSqlState()).isEqualTo("42S01");

        assertThat(ddl.dropView(DropViewRequest.newBuilder().setName("BIG").build()).getError().getCode())
                .isEqualTo(Error.Code.OK);
        assertThat(zkClient.checkExists().forPath(ZkPaths.view("BIG"))).isNull();
        assertThat(ddl.dropView(DropViewRequest.newBuilder().setName("BIG").build()).getError().getSqlState())
                .isEqualTo("42S02");
    }

    @Test
    void malformedTablesAreRefusedAsBadRequests() {
        TableSchema noKey = orders("K", 1).toBuilder().clearPrimaryKey().build();
        assertThat(create(noKey).getError().getCode()).isEqualTo(Error.Code.BAD_REQUEST);
        TableSchema badName = orders("A/B", 1);
        assertThat(create(badName).getError().getSqlState()).isEqualTo("42602");
        TableSchema dupColumn = orders("D", 1).toBuilder()
                .addColumns(ColumnDef.newBuilder().setName("ID").setType(ColumnType.INTEGER)).build();
        assertThat(create(dupColumn).getError().getSqlState()).isEqualTo("42S21");
        assertThat(nodes.stream().mapToInt(n -> n.opened.size()).sum()).isZero();
    }
}
