package io.tessera.node;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.storage.Durability;
import io.tessera.node.storage.ReplicaSet;
import io.tessera.protocol.proto.DropReplicaRequest;
import io.tessera.protocol.proto.PingRequest;
import io.tessera.protocol.proto.PingResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardNodeKeepsDataAcrossRestarts {
    @TempDir
    Path dir;

    @Test
    void dataSchemaStateAndNodeIdSurviveClosingAndReopening() throws Exception {
        ShardNodeConfig config = ShardNodeConfig.persistent(dir);
        String nodeId;
        try (NodeFixture f = new NodeFixture(config)) {
            nodeId = f.node.nodeId();
            assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
            assertThat(f.write(10, insert(item(1, "a", 1, "9.99", "a@x")), insert(item(2, "b", 2, null, null))).hasError()).isFalse();
        }
        assertThat(ReplicaSet.fileOf(dir, NodeFixture.SHARD)).exists();
        assertThat(Files.readString(dir.resolve("node.id")).trim()).isEqualTo(nodeId);

        try (NodeFixture f = new NodeFixture(config)) {
            assertThat(f.node.nodeId()).isEqualTo(nodeId);
            assertThat(f.node.shardIds()).containsExactly(NodeFixture.SHARD);
            assertThat(f.get(1, 10)[3].toString()).isEqualTo("9.99");
            assertThat(f.scanAll(10).ids()).containsExactly(1L, 2L);
            assertThat(f.write(20, insert(item(3, "c", 3, null, "a@x"))).getError().getMessage())
                    .as("the unique index survives too").contains("EMAIL_UQ");
            PingResponse ping = f.stub().ping(PingRequest.getDefaultInstance());
            assertThat(ping.getNodeId()).isEqualTo(nodeId);
            assertThat(ping.getShardIdsList()).containsExactly(NodeFixture.SHARD);
            // OpenReplica again is idempotent and keeps the rows
            assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
            assertThat(f.scanAll(10).ids()).containsExactly(1L, 2L);
        }
    }

    @Test
    void memoryDurabilityAlsoPersistsOnClose() throws Exception {
        ShardNodeConfig config = ShardNodeConfig.persistent(dir).withDurability(Durability.MEMORY);
        try (NodeFixture f = new NodeFixture(config)) {
            f.open(NodeFixture.defaultSchema());
            f.write(10, insert(item(1, "a", 1, null, null)));
        }
        try (NodeFixture f = new NodeFixture(config)) {
            assertThat(f.get(1, 10)[1]).isEqualTo("a");
        }
    }

    @Test
    void dropReplicaDeletesTheFile() throws Exception {
        try (NodeFixture f = new NodeFixture(ShardNodeConfig.persistent(dir))) {
            f.open(NodeFixture.defaultSchema());
            assertThat(f.stub().dropReplica(DropReplicaRequest.newBuilder().setShardId(NodeFixture.SHARD).build()).hasError()).isFalse();
            assertThat(ReplicaSet.fileOf(dir, NodeFixture.SHARD)).doesNotExist();
            assertThat(f.node.shardIds()).isEmpty();
            assertThat(f.stub().dropReplica(DropReplicaRequest.newBuilder().setShardId(NodeFixture.SHARD).build()).hasError())
                    .as("idempotent").isFalse();
        }
    }
}
