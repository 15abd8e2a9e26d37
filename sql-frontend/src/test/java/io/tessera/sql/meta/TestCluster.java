package io.tessera.sql.meta;

import io.tessera.coordinator.Coordinator;
import io.tessera.coordinator.CoordinatorConfig;
import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.TableSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** ZooKeeper, coordinators and fake shard nodes of one cluster, for the tests of this package. */
final class TestCluster implements AutoCloseable {
    final String name;
    final EmbeddedZooKeeper zk;
    final List<Coordinator> coordinators = new ArrayList<>();
    final List<FakeShardNode> nodes = new ArrayList<>();

    TestCluster(Path dir, String name, int coordinators, int nodes) throws Exception {
        this.name = name;
        this.zk = new EmbeddedZooKeeper(dir, 0).start();
        for (int i = 1; i <= coordinators; i++) {
            Coordinator c = new Coordinator(CoordinatorConfig.of("c" + i, zk.connectString(), name, "127.0.0.1", 0))
                    .start();
            this.coordinators.add(c);
            // The first one leads: the others join the election after it won.
            if (i == 1 && !c.awaitLeadership(Duration.ofSeconds(10))) {
                throw new IllegalStateException("no leader");
            }
        }
        for (int i = 1; i <= nodes; i++) {
            this.nodes.add(new FakeShardNode("n" + i, zk.connectString(), name));
        }
    }

    String zkConnect() {
        return zk.connectString();
    }

    static TableSchema table(String name, int shards) {
        return TableSchema.newBuilder().setName(name)
                .addColumns(ColumnDef.newBuilder().setName("ID").setType(ColumnType.BIGINT))
                .addColumns(ColumnDef.newBuilder().setName("V").setType(ColumnType.VARCHAR).setNullable(true))
                .addPrimaryKey(0).setShardCount(shards).build();
    }

    @Override
    public void close() throws Exception {
        for (FakeShardNode n : nodes) {
            n.close();
        }
        for (Coordinator c : coordinators) {
            c.close();
        }
        zk.close();
    }
}
