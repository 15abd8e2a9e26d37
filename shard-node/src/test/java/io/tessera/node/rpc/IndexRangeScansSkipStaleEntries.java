package io.tessera.node.rpc;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.NodeFixture.scanRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.KeyBound;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.ScanRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IndexRangeScansSkipStaleEntries {
    NodeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.inMemory();
        f.open(NodeFixture.defaultSchema());
        f.write(10, insert(item(1, "a", 5, null, null)), insert(item(2, "b", 7, null, null)),
                insert(item(3, "c", 50, null, null)), insert(item(4, "d", null, null, null)), insert(item(5, "e", 5, null, null)));
        // row 1 moves out of [0, 10], row 3 moves in, row 5 is deleted
        f.write(20, mutation(Mutation.Kind.UPDATE, item(1, "a", 60, null, null)),
                mutation(Mutation.Kind.UPDATE, item(3, "c", 6, null, null)), NodeFixture.delete(5));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private static KeyBound qty(int v, boolean inclusive) {
        return KeyBound.newBuilder().addValues(Values.toProto(ColumnType.INTEGER, v)).setInclusive(inclusive).build();
    }

    private ScanRequest byQty(long ts, int lo, int hi) {
        return scanRequest(ts).setIndexId(2).setLower(qty(lo, true)).setUpper(qty(hi, true)).build();
    }

    @Test
    void entriesWhoseRowNoLongerMatchesAreSkipped() {
        NodeFixture.ScanResult now = f.scan(byQty(25, 0, 10), NodeFixture.TYPES);
        assertThat(now.ids()).as("index order: qty 6 (row 3), qty 7 (row 2)").containsExactly(3L, 2L);
        assertThat(f.node.replicas().require(NodeFixture.SHARD).indexEntryCount())
                .as("old entries stay as hints until GC").isGreaterThan(5);
    }

    @Test
    void anOlderSnapshotStillFindsTheOldValues() {
        assertThat(f.scan(byQty(15, 0, 10), NodeFixture.TYPES).ids()).containsExactly(1L, 5L, 2L);
        assertThat(f.scan(byQty(15, 40, 100), NodeFixture.TYPES).ids()).containsExactly(3L);
        assertThat(f.scan(byQty(25, 40, 100), NodeFixture.TYPES).ids()).containsExactly(1L);
    }

    @Test
    void exclusiveBoundsAndNullsInTheIndex() {
        ScanRequest req = scanRequest(25).setIndexId(2).setLower(qty(6, false)).setUpper(qty(60, false)).build();
        assertThat(f.scan(req, NodeFixture.TYPES).ids()).containsExactly(2L);
        // NULL sorts first in the index: an unbounded lower bound includes it
        assertThat(f.scan(scanRequest(25).setIndexId(2).setUpper(qty(6, true)).build(), NodeFixture.TYPES).ids())
                .containsExactly(4L, 3L);
    }

    @Test
    void anUnknownIndexIsABadRequest() {
        NodeFixture.ScanResult r = f.scan(scanRequest(25).setIndexId(99).build(), NodeFixture.TYPES);
        assertThat(r.error().getCode()).isEqualTo(Error.Code.BAD_REQUEST);
    }
}
