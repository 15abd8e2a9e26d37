package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.delete;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Mutation;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvccReadsSeeTheNewestVersionAtReadTs {
    @TempDir
    Path dir;
    NodeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = NodeFixture.persistent(dir);
        assertThat(f.open(NodeFixture.defaultSchema()).hasError()).isFalse();
        assertThat(f.write(10, insert(item(1, "a", 1, "1.00", null)), insert(item(2, "b", 2, null, null))).hasError()).isFalse();
        assertThat(f.write(20, mutation(Mutation.Kind.UPDATE, item(1, "a2", 11, "2.50", null))).getApplied()).isEqualTo(1);
        assertThat(f.write(30, delete(1)).getApplied()).isEqualTo(1);
        assertThat(f.write(40, mutation(Mutation.Kind.UPSERT, item(1, "a3", 111, null, null))).getApplied()).isEqualTo(1);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void pointReadsSeeTheVersionCommittedAtOrBeforeReadTs() {
        assertThat(f.get(1, 9)).isNull();
        assertThat(f.get(1, 10)[1]).isEqualTo("a");
        assertThat(f.get(1, 19)[1]).isEqualTo("a");
        assertThat(f.get(1, 20)[1]).isEqualTo("a2");
        assertThat(f.get(1, 29)[2]).isEqualTo(11);
        assertThat(f.get(1, 30)).as("the tombstone hides the row").isNull();
        assertThat(f.get(1, 39)).isNull();
        assertThat(f.get(1, 40)[1]).isEqualTo("a3");
        assertThat(f.get(1, Long.MAX_VALUE)[1]).isEqualTo("a3");
        assertThat(f.get(3, 100)).isNull();
    }

    @Test
    void scansSeeOneVersionPerKeyAtReadTs() {
        assertThat(f.scanAll(5).rows()).isEmpty();
        assertThat(f.scanAll(15).ids()).containsExactly(1L, 2L);
        assertThat(f.scanAll(25).rows()).extracting(r -> r[1]).containsExactly("a2", "b");
        assertThat(f.scanAll(35).ids()).containsExactly(2L);
        assertThat(f.scanAll(45).rows()).extracting(r -> r[1]).containsExactly("a3", "b");
    }
}
