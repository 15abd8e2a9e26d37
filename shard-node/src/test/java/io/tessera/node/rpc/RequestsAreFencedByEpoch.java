package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RequestsAreFencedByEpoch {
    NodeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        f.open(NodeFixture.defaultSchema());
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private WriteResponse writeAt(long shard, long epoch) {
        return f.stub().write(WriteRequest.newBuilder()
                .setShard(ShardRef.newBuilder().setShardId(shard).setEpoch(epoch)).setCommitTs(10).setSchemaVersion(1)
                .addMutations(insert(item(1, "a", 1, null, null))).build());
    }

    @Test
    void aStaleEpochIsRejectedWithTheNodesRoute() {
        WriteResponse r = writeAt(NodeFixture.SHARD, NodeFixture.EPOCH - 1);
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.STALE_EPOCH);
        assertThat(r.getError().getRoute().getEpoch()).isEqualTo(NodeFixture.EPOCH);
        assertThat(r.getError().getRoute().getPrimary()).isEqualTo("n1");
        GetResponse g = f.stub().get(GetRequest.newBuilder()
                .setShard(ShardRef.newBuilder().setShardId(NodeFixture.SHARD).setEpoch(NodeFixture.EPOCH + 1))
                .addKeys(ByteString.copyFrom(NodeFixture.KEYS.encode(new Object[] {1L}))).build());
        assertThat(g.getError().getCode()).isEqualTo(Error.Code.STALE_EPOCH);
        assertThat(f.get(1, 100)).isNull();
    }

    @Test
    void anUnknownShardIsReported() {
        assertThat(writeAt(999, 1).getError().getCode()).isEqualTo(Error.Code.UNKNOWN_SHARD);
    }

    @Test
    void aNewerEpochIsAdoptedAndAnOlderOneRefused() {
        assertThat(f.stub().openReplica(OpenReplicaRequest.newBuilder()
                .setShard(NodeFixture.state(NodeFixture.SHARD, NodeFixture.EPOCH + 1, "n2"))
                .setTable(NodeFixture.defaultSchema()).build()).hasError()).isFalse();
        WriteResponse r = writeAt(NodeFixture.SHARD, NodeFixture.EPOCH + 1);
        assertThat(r.getError().getCode()).as("n1 is no longer the primary").isEqualTo(Error.Code.NOT_PRIMARY);
        assertThat(r.getError().getRoute().getPrimary()).isEqualTo("n2");
        assertThat(f.stub().openReplica(OpenReplicaRequest.newBuilder()
                .setShard(NodeFixture.state(NodeFixture.SHARD, NodeFixture.EPOCH, "n1"))
                .setTable(NodeFixture.defaultSchema()).build()).getError().getCode()).isEqualTo(Error.Code.STALE_EPOCH);
    }
}
