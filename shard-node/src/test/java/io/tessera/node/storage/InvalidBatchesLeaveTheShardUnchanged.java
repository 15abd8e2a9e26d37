package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.delete;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InvalidBatchesLeaveTheShardUnchanged {
    @TempDir
    Path dir;
    NodeFixture f;
    Replica replica;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.persistent(dir);
        f.open(NodeFixture.defaultSchema());
        replica = f.node.replicas().require(NodeFixture.SHARD);
        assertThat(f.write(10, insert(item(1, "a", 1, null, "a@x")), insert(item(2, "b", 2, null, "b@x"))).hasError()).isFalse();
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private void assertUnchanged() {
        assertThat(replica.versionCount()).isEqualTo(2);
        assertThat(f.scanAll(Long.MAX_VALUE).rows()).extracting(r -> r[1]).containsExactly("a", "b");
    }

    @Test
    void insertOfALiveKeyFailsWithDuplicateKeyNamingTableAndKey() {
        WriteResponse r = f.write(20, insert(item(3, "c", 3, null, null)), insert(item(1, "again", 1, null, null)));
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.DUPLICATE_KEY);
        assertThat(r.getError().getSqlState()).isEqualTo("23505");
        assertThat(r.getError().getMessage()).contains("ITEMS").contains("ID=1");
        assertUnchanged();
    }

    @Test
    void duplicateKeysWithinOneBatchFail() {
        WriteResponse r = f.write(20, insert(item(3, "c", 3, null, null)), insert(item(3, "c", 3, null, null)));
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.DUPLICATE_KEY);
        assertUnchanged();
    }

    @Test
    void insertAfterDeleteInOneBatchSucceeds() {
        WriteResponse r = f.write(20, delete(1), insert(item(1, "new", 1, null, "a@x")));
        assertThat(r.hasError()).isFalse();
        assertThat(r.getApplied()).isEqualTo(2);
        assertThat(f.get(1, 20)[1]).isEqualTo("new");
    }

    @Test
    void nullInNotNullColumnFailsWith23502() {
        WriteResponse r = f.write(20, insert(item(3, "c", 3, null, null)), insert(item(4, null, 3, null, null)));
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.CONSTRAINT);
        assertThat(r.getError().getSqlState()).isEqualTo("23502");
        assertThat(r.getError().getMessage()).contains("NAME");
        assertUnchanged();
    }

    @Test
    void uniqueIndexViolationAgainstStoredRowNamesTheIndex() {
        WriteResponse r = f.write(20, insert(item(3, "c", 3, null, "c@x")), insert(item(4, "d", 4, null, "a@x")));
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.DUPLICATE_KEY);
        assertThat(r.getError().getSqlState()).isEqualTo("23505");
        assertThat(r.getError().getMessage()).contains("EMAIL_UQ");
        assertUnchanged();
    }

    @Test
    void uniqueIndexViolationWithinTheBatch() {
        WriteResponse r = f.write(20, insert(item(3, "c", 3, null, "z@x")), insert(item(4, "d", 4, null, "z@x")));
        assertThat(r.getError().getMessage()).contains("EMAIL_UQ");
        assertUnchanged();
    }

    @Test
    void uniqueValuesMayBeSwappedOrFreedWithinABatch() {
        WriteResponse r = f.write(20, mutation(Mutation.Kind.UPDATE, item(1, "a", 1, null, "b@x")),
                mutation(Mutation.Kind.UPDATE, item(2, "b", 2, null, "a@x")));
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
        // a freed value may be reused, and NULLs never collide
        r = f.write(30, delete(1), insert(item(5, "e", 5, null, "b@x")), insert(item(6, "f", 6, null, null)),
                insert(item(7, "g", 7, null, null)));
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
        assertThat(f.get(5, 30)[4]).isEqualTo("b@x");
    }

    @Test
    void aNewerVersionIsAWriteConflict() {
        assertThat(f.write(30, mutation(Mutation.Kind.UPSERT, item(2, "b30", 2, null, "b@x"))).hasError()).isFalse();
        WriteResponse r = f.write(25, insert(item(3, "c", 3, null, null)), mutation(Mutation.Kind.UPDATE, item(2, "late", 2, null, null)));
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.WRITE_CONFLICT);
        assertThat(r.getError().getSqlState()).isEqualTo("40001");
        r = f.write(30, mutation(Mutation.Kind.UPDATE, item(2, "same ts", 2, null, null)));
        assertThat(r.getError().getCode()).as("a version at commit_ts itself conflicts too").isEqualTo(Error.Code.WRITE_CONFLICT);
        assertThat(f.get(3, Long.MAX_VALUE)).isNull();
        assertThat(f.get(2, Long.MAX_VALUE)[1]).isEqualTo("b30");
    }

    @Test
    void updatesAndDeletesOfMissingRowsAreIgnored() {
        WriteResponse r = f.write(20, mutation(Mutation.Kind.UPDATE, item(9, "x", 1, null, null)), delete(10));
        assertThat(r.hasError()).isFalse();
        assertThat(r.getApplied()).isZero();
        assertUnchanged();
    }

    @Test
    void aRetriedWriteIsAppliedOnce() {
        WriteRequest req = WriteRequest.newBuilder().setShard(NodeFixture.ref()).setCommitTs(50).setSchemaVersion(1)
                .addAllMutations(List.of(insert(item(3, "c", 3, null, null)))).setClientId("frontend-1").setSeq(77).build();
        assertThat(f.stub().write(req).getApplied()).isEqualTo(1);
        WriteResponse again = f.stub().write(req);
        assertThat(again.hasError()).as("%s", again.getError()).isFalse();
        assertThat(again.getApplied()).isEqualTo(1);
        assertThat(replica.versionCount()).isEqualTo(3);
    }

    @Test
    void anOtherSchemaVersionIsASchemaMismatch() {
        WriteResponse r = f.write(20, 2, insert(item(3, "c", 3, null, null)));
        assertThat(r.getError().getCode()).isEqualTo(Error.Code.SCHEMA_MISMATCH);
        assertUnchanged();
    }
}
