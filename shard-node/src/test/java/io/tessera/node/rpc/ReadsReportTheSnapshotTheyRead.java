package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.RowBatch;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.util.Iterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Get and Scan answer the snapshot they read (the resolved one for read_ts 0), and a one-phase
 * write sent with that read_ts and commit_ts 0 (as the frontend sends an autocommit
 * {@code UPDATE ... SET qty = qty + 1}) commits above it, or fails with 40001 when its rows changed.
 */
class ReadsReportTheSnapshotTheyRead {
    NodeFixture f;
    long seq;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
        assertThat(f.write(10, insert(item(1, "a", 1, null, null))).hasError()).isFalse();
        assertThat(f.write(20, insert(item(2, "b", 1, null, null))).hasError()).isFalse();
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private GetResponse get(long readTs, long id) {
        return f.stub().get(GetRequest.newBuilder().setShard(NodeFixture.ref()).setReadTs(readTs)
                .addKeys(ByteString.copyFrom(NodeFixture.KEYS.encode(new Object[] {id}))).build());
    }

    private RowBatch firstScanBatch(long readTs) {
        Iterator<RowBatch> it = f.stub().scan(NodeFixture.scanRequest(readTs).setBatchRows(1).build());
        RowBatch first = it.next();
        it.forEachRemaining(b -> assertThat(b.hasError()).as("%s", b.getError()).isFalse());
        return first;
    }

    private WriteResponse setQty(long readTs, long id, int qty) {
        return f.stub().write(WriteRequest.newBuilder().setShard(NodeFixture.ref()).setSchemaVersion(1)
                .setCommitTs(0).setReadTs(readTs).setClientId("frontend").setSeq(++seq)
                .addMutations(mutation(Mutation.Kind.UPDATE, item(id, id == 1 ? "a" : "b", qty, null, null))).build());
    }

    @Test
    void aReadAtTheLatestStateNamesTheNewestCommit() {
        GetResponse g = get(0, 1);
        assertThat(g.hasError()).isFalse();
        assertThat(g.getReadTs()).isEqualTo(20);
        RowBatch b = firstScanBatch(0);
        assertThat(b.hasError()).isFalse();
        assertThat(b.getReadTs()).isEqualTo(20);
        assertThat(b.getRowsCount()).isEqualTo(1);
    }

    @Test
    void aReadAtATimestampNamesThatTimestamp() {
        assertThat(get(15, 1).getReadTs()).isEqualTo(15);
        assertThat(firstScanBatch(15).getReadTs()).isEqualTo(15);
    }

    @Test
    void aReadModifyWriteCommitsAboveItsSnapshotOrFailsWhenItsRowChanged() {
        long first = get(0, 1).getReadTs();
        long second = firstScanBatch(0).getReadTs(); // a concurrent statement reads the same row
        WriteResponse w1 = setQty(first, 1, 2);
        assertThat(w1.hasError()).as("%s", w1.getError()).isFalse();
        assertThat(w1.getCommitTs()).as("the primary chose a timestamp above the snapshot").isGreaterThan(first);

        WriteResponse w2 = setQty(second, 1, 2);
        assertThat(w2.getError().getCode()).isEqualTo(Error.Code.WRITE_CONFLICT);
        assertThat(w2.getError().getSqlState()).isEqualTo("40001");

        GetResponse now = get(0, 1);
        assertThat(now.getReadTs()).isEqualTo(w1.getCommitTs());
        assertThat(NodeFixture.ROWS.decode(now.getRows(0).toByteArray())[2]).isEqualTo(2);
        // retried from the new snapshot, it applies
        WriteResponse retried = setQty(now.getReadTs(), 1, 3);
        assertThat(retried.hasError()).as("%s", retried.getError()).isFalse();
        assertThat(retried.getCommitTs()).isGreaterThan(w1.getCommitTs());
        assertThat(f.get(1, retried.getCommitTs())[2]).isEqualTo(3);
    }
}
