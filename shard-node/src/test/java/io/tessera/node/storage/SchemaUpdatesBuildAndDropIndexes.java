package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.EMAIL_UQ;
import static io.tessera.node.NodeFixture.QTY_IDX;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.itemsSchema;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.NodeFixture.scanRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.KeyBound;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.UpdateSchemaRequest;
import io.tessera.protocol.proto.TableSchema;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaUpdatesBuildAndDropIndexes {
    static final IndexDef NAME_UQ = IndexDef.newBuilder().setIndexId(3).setName("NAME_UQ").addColumns(1).setUnique(true).build();

    @TempDir
    Path dir;
    NodeFixture f;
    Replica replica;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.persistent(dir);
        f.open(itemsSchema(1));
        replica = f.node.replicas().require(NodeFixture.SHARD);
        f.write(10, insert(item(1, "a", 5, null, "a@x")), insert(item(2, "b", 7, null, "b@x")),
                insert(item(3, "c", 5, null, null)));
        f.write(20, mutation(Mutation.Kind.UPDATE, item(2, "b", 9, null, "b@x")));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private AdminResponse update(TableSchema s) {
        return f.stub().updateSchema(UpdateSchemaRequest.newBuilder().setShardId(NodeFixture.SHARD).setTable(s).build());
    }

    private NodeFixture.ScanResult qtyEquals(long ts, int qty) {
        KeyBound b = KeyBound.newBuilder().addValues(Values.toProto(ColumnType.INTEGER, qty)).setInclusive(true).build();
        return f.scan(scanRequest(ts).setIndexId(2).setLower(b).setUpper(b).build(), NodeFixture.TYPES);
    }

    @Test
    void aNewIndexIsBuiltFromTheRowsAndServesSnapshots() {
        assertThat(update(itemsSchema(2, EMAIL_UQ, QTY_IDX)).hasError()).isFalse();
        assertThat(replica.layout().version()).isEqualTo(2);
        assertThat(qtyEquals(25, 5).ids()).containsExactly(1L, 3L);
        assertThat(qtyEquals(25, 9).ids()).containsExactly(2L);
        assertThat(qtyEquals(15, 7).ids()).as("built from old versions too").containsExactly(2L);
        // the new unique index is enforced from now on
        assertThat(f.write(30, 2, insert(item(4, "d", 1, null, "a@x"))).getError().getMessage()).contains("EMAIL_UQ");
        // the same version again is a no-op
        assertThat(update(itemsSchema(2, EMAIL_UQ, QTY_IDX)).hasError()).isFalse();
    }

    @Test
    void aUniqueIndexThatDoesNotHoldFailsAndChangesNothing() {
        assertThat(update(itemsSchema(2, QTY_IDX)).hasError()).isFalse();
        long entries = replica.indexEntryCount();
        IndexDef qtyUnique = IndexDef.newBuilder().setIndexId(4).setName("QTY_UQ").addColumns(2).setUnique(true).build();
        AdminResponse r = update(itemsSchema(3, QTY_IDX, qtyUnique));
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.DUPLICATE_KEY);
        assertThat(r.getError().getSqlState()).isEqualTo("23505");
        assertThat(r.getError().getMessage()).contains("QTY_UQ");
        assertThat(replica.layout().version()).isEqualTo(2);
        assertThat(replica.indexEntryCount()).isEqualTo(entries);
        // a unique index that holds builds fine afterwards
        assertThat(update(itemsSchema(3, QTY_IDX, NAME_UQ)).hasError()).isFalse();
    }

    @Test
    void droppedIndexesLoseTheirEntries() {
        assertThat(update(itemsSchema(2, EMAIL_UQ, QTY_IDX)).hasError()).isFalse();
        long before = replica.indexEntryCount();
        assertThat(update(itemsSchema(3, EMAIL_UQ)).hasError()).isFalse();
        assertThat(replica.indexEntryCount()).isLessThan(before).isEqualTo(3); // a@x, b@x and NULL (row 3)
        assertThat(f.scan(scanRequest(25).setIndexId(2).build(), NodeFixture.TYPES).error().getCode())
                .isEqualTo(Error.Code.BAD_REQUEST);
    }

    @Test
    void anOlderSchemaVersionIsRefused() {
        assertThat(update(itemsSchema(3, QTY_IDX)).hasError()).isFalse();
        assertThat(update(itemsSchema(2)).getError().getCode()).isEqualTo(Error.Code.SCHEMA_MISMATCH);
    }
}
