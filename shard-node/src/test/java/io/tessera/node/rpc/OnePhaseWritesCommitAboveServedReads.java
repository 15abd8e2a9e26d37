package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A one-phase write never changes a snapshot that was read: it commits above max_read_ts. */
class OnePhaseWritesCommitAboveServedReads {
    NodeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
        assertThat(f.write(10, insert(item(1, "a", 1, null, null))).getCommitTs()).isEqualTo(10);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void aWriteBelowAServedReadIsRaisedAboveIt() {
        assertThat(f.get(1, 100)[1]).isEqualTo("a");
        WriteRequest req = WriteRequest.newBuilder().setShard(NodeFixture.ref()).setCommitTs(50).setSchemaVersion(1)
                .addMutations(mutation(Mutation.Kind.UPDATE, item(1, "b", 1, null, null))).setClientId("c").setSeq(1).build();
        WriteResponse w = f.stub().write(req);
        assertThat(w.hasError()).as("%s", w.getError()).isFalse();
        assertThat(w.getCommitTs()).isEqualTo(101);
        assertThat(f.get(1, 100)[1]).as("the snapshot read at 100 is unchanged").isEqualTo("a");
        assertThat(f.get(1, 101)[1]).isEqualTo("b");
        assertThat(f.stub().write(req).getCommitTs()).as("a retry answers the original").isEqualTo(101);
        // read_ts 0 resolves to the newest commit (101) and is not noted: a write at 102 stays at 102
        assertThat(f.stub().get(io.tessera.node.TxnRequests.get(NodeFixture.ref(), 0, null, 1)).getFound(0)).isTrue();
        assertThat(f.write(102, mutation(Mutation.Kind.UPDATE, item(1, "c", 1, null, null))).getCommitTs()).isEqualTo(102);
        assertThat(f.node.replicas().require(NodeFixture.SHARD).maxReadTs()).isEqualTo(101);
    }

    @Test
    void theWriteConflictCheckUsesTheRaisedTimestamp() {
        // a version at 150 exists; a write asking for 120 would be raised to 201 by a read at 200 and succeed
        assertThat(f.write(150, mutation(Mutation.Kind.UPDATE, item(1, "x", 1, null, null))).hasError()).isFalse();
        assertThat(f.write(120, mutation(Mutation.Kind.UPDATE, item(1, "y", 1, null, null))).getError().getCode())
                .isEqualTo(io.tessera.protocol.proto.Error.Code.WRITE_CONFLICT);
        assertThat(f.get(1, 200)[1]).isEqualTo("x");
        WriteResponse w = f.write(120, mutation(Mutation.Kind.UPDATE, item(1, "y", 1, null, null)));
        assertThat(w.hasError()).as("%s", w.getError()).isFalse();
        assertThat(w.getCommitTs()).isEqualTo(201);
    }
}
