package io.tessera.sql.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.CreateViewRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.DropTableRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterMetadataTest {
    @TempDir
    Path dir;
    TestCluster cluster;
    ClusterClient client;

    @BeforeEach
    void start() throws Exception {
        cluster = new TestCluster(dir, "meta", 1, 2);
        client = ClusterClient.connect(cluster.zkConnect(), cluster.name);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        cluster.close();
    }

    private TableSchema create(String name, int shards) {
        DdlResponse r = client.coordinator().createTable(CreateTableRequest.newBuilder()
                .setTable(TestCluster.table(name, shards)).build());
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.OK);
        return r.getTable();
    }

    @Test
    void ddlIsVisibleRightAfterRefreshWithShardsInOrdinalOrder() {
        ClusterMetadata metadata = client.metadata();
        long before = metadata.version();

        TableSchema t = create("ORDERS", 4);
        metadata.refresh();

        assertThat(metadata.version()).isGreaterThan(before);
        assertThat(metadata.tables()).containsEntry("ORDERS", t);
        List<ShardState> shards = metadata.shards(t.getTableId());
        assertThat(shards).extracting(ShardState::getOrdinal).containsExactly(0, 1, 2, 3);
        assertThat(shards).extracting(ShardState::getPrimary).containsOnly("n1", "n2");
        assertThat(metadata.liveNodes()).containsOnlyKeys("n1", "n2")
                .containsEntry("n1", cluster.nodes.get(0).address());
        assertThat(metadata.leader()).hasValueSatisfying(l -> assertThat(l.getCoordinatorId()).isEqualTo("c1"));

        MetadataSnapshot snapshot = metadata.snapshot();
        assertThat(snapshot.version()).isEqualTo(metadata.version());
        assertThat(snapshot.table("ORDERS")).contains(t);
        assertThat(snapshot.nodeAddress("n2")).contains(cluster.nodes.get(1).address());
    }

    @Test
    void droppedTableStaysGoneAfterRefreshEvenWhenTheCacheCatchesUpLate() throws Exception {
        ClusterMetadata metadata = client.metadata();
        TableSchema t = create("GONE", 2);
        client.coordinator().dropTable(DropTableRequest.newBuilder().setName("GONE").build());

        metadata.refresh();
        assertThat(metadata.tables()).doesNotContainKey("GONE");
        assertThat(metadata.shards(t.getTableId())).isEmpty();

        Thread.sleep(300); // let every cache event of the create and the drop arrive
        assertThat(metadata.tables()).doesNotContainKey("GONE");
        assertThat(metadata.shards(t.getTableId())).isEmpty();

        TableSchema again = create("GONE", 1);
        metadata.refresh();
        assertThat(metadata.tables()).containsEntry("GONE", again);
        assertThat(metadata.shards(again.getTableId())).hasSize(1);
    }

    @Test
    void cacheFollowsChangesWithoutRefreshAndTellsListeners() throws Exception {
        ClusterMetadata metadata = client.metadata();
        List<MetadataSnapshot> seen = new CopyOnWriteArrayList<>();
        metadata.addListener(seen::add);
        ViewDef view = ViewDef.newBuilder().setName("V1").setSql("SELECT 1").build();

        client.coordinator().createView(CreateViewRequest.newBuilder().setView(view).build());

        assertThat(eventually(() -> metadata.views().containsKey("V1"))).isTrue();
        assertThat(eventually(() -> seen.stream().anyMatch(s -> s.views().containsKey("V1")))).isTrue();

        cluster.nodes.get(1).close();
        cluster.nodes.remove(1);
        assertThat(eventually(() -> !metadata.liveNodes().containsKey("n2"))).isTrue();
    }

    static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
